#include "tools/support/sn_client.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace snbridge::tools {

namespace {

client_error make_error(client_errc c, std::string m) {
    return client_error{c, std::move(m), sn::return_code::accepted};
}

client_error refused(std::string_view what, sn::return_code rc) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto v = static_cast<unsigned>(rc);
    std::string code = "0x";
    code += hex[(v >> 4U) & 15U];
    code += hex[v & 15U];
    return client_error{
        client_errc::refused,
        std::string(what) + " refused: " + std::string(sn::to_string(rc)) + " (" + code + ")", rc};
}

template <class T>
const T* as(const sn::packet& p) noexcept {
    return std::get_if<T>(&p);
}

sn::flags topic_flags(const topic_ref& t) {
    sn::flags f;
    f.topic_type = t.type;
    return f;
}

std::uint16_t short_id(std::string_view two) noexcept {
    return static_cast<std::uint16_t>(
        (static_cast<unsigned>(static_cast<std::uint8_t>(two[0])) << 8U) |
        static_cast<std::uint8_t>(two[1]));
}

std::string short_name_of(std::uint16_t id) {
    std::string s(2, '\0');
    s[0] = static_cast<char>(id >> 8U);
    s[1] = static_cast<char>(id & 0xFFU);
    return s;
}

} // namespace

std::string strip_brackets(std::string_view host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return std::string(host);
}

client_result<sn_client> sn_client::open(const endpoint_options& ep) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_family = ep.ip_family == endpoint_options::family::v4   ? AF_INET
                      : ep.ip_family == endpoint_options::family::v6 ? AF_INET6
                                                                     : AF_UNSPEC;
    addrinfo* res = nullptr;
    const std::string host = strip_brackets(ep.host);
    const std::string port = std::to_string(ep.port);
    if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &res); rc != 0) {
        return common::fail(make_error(client_errc::network,
                                       "cannot resolve '" + host + "': " + ::gai_strerror(rc)));
    }
    std::string last_error = "no address";
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_error = std::strerror(errno);
            continue;
        }
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            last_error = std::strerror(errno);
            ::close(fd);
            continue;
        }
        ::freeaddrinfo(res);
        std::unique_ptr<dtls_channel> dtls;
        if (ep.dtls.enabled()) {
            auto done = dtls_channel::handshake(fd, ep.dtls, host, ep.timeout);
            if (!done) {
                ::close(fd);
                return common::fail(
                    make_error(client_errc::network,
                               done.error().message + " (" + host + " port " + port + ")"));
            }
            dtls = std::move(*done);
        }
        return sn_client(fd, ep, std::move(dtls));
    }
    ::freeaddrinfo(res);
    return common::fail(make_error(client_errc::network,
                                   "cannot open UDP socket to '" + host + "': " + last_error));
}

sn_client::sn_client(int fd, endpoint_options ep, std::unique_ptr<dtls_channel> dtls) noexcept
    : fd_(fd)
    , ep_(std::move(ep))
    , dtls_(std::move(dtls)) {}

sn_client::sn_client(sn_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1))
    , ep_(std::move(other.ep_))
    , client_id_(std::move(other.client_id_))
    , last_msg_id_(other.last_msg_id_)
    , registered_(std::move(other.registered_))
    , names_(std::move(other.names_))
    , qos2_inbound_(std::move(other.qos2_inbound_))
    , inbox_(std::move(other.inbox_))
    , malformed_(other.malformed_)
    , dtls_(std::move(other.dtls_)) {}

sn_client& sn_client::operator=(sn_client&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
        ep_ = std::move(other.ep_);
        client_id_ = std::move(other.client_id_);
        last_msg_id_ = other.last_msg_id_;
        registered_ = std::move(other.registered_);
        names_ = std::move(other.names_);
        qos2_inbound_ = std::move(other.qos2_inbound_);
        inbox_ = std::move(other.inbox_);
        malformed_ = other.malformed_;
        dtls_ = std::move(other.dtls_);
    }
    return *this;
}

sn_client::~sn_client() {
    dtls_.reset(); // its close_notify goes out on the socket first
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

std::uint16_t sn_client::next_msg_id() noexcept {
    ++last_msg_id_;
    if (last_msg_id_ == 0) {
        last_msg_id_ = 1;
    }
    return last_msg_id_;
}

std::string sn_client::topic_name(std::uint16_t normal_id) const {
    const auto it = names_.find(key(0, normal_id));
    return it == names_.end() ? std::string() : it->second;
}

client_result<void> sn_client::send(const sn::packet& p) {
    return send_raw(p);
}

client_result<void> sn_client::send_raw(const sn::packet& p) {
    if (ep_.trace) {
        ep_.trace(true, p);
    }
    std::vector<std::uint8_t> bytes = sn::encode(p);
    if (bytes.empty()) {
        return common::fail(make_error(client_errc::bad_argument, "message too large to encode"));
    }
    if (ep_.forwarder_encapsulation) {
        // MQTT-SN 1.2 §5.5: the forwarder prefixes the client's message unchanged.
        sn::encapsulated e;
        e.radius = ep_.radius;
        e.wireless_node_id = ep_.wireless_node_id;
        e.inner = std::move(bytes);
        bytes = sn::encode(sn::packet{std::move(e)});
        if (bytes.empty()) {
            return common::fail(
                make_error(client_errc::bad_argument, "encapsulated message too large"));
        }
    }
    if (dtls_) {
        if (!dtls_->write(bytes)) {
            return common::fail(make_error(client_errc::network, dtls_->error()));
        }
        return {};
    }
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), 0);
    if (n < 0) {
        return common::fail(
            make_error(client_errc::network, std::string("send failed: ") + std::strerror(errno)));
    }
    return {};
}

client_result<std::optional<sn::packet>> sn_client::read_until(clock::time_point deadline) {
    std::array<std::uint8_t, 65536 + 64> buf{};
    for (;;) {
        const auto now = clock::now();
        const auto left =
            deadline > now
                ? std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1
                : 0;
        pollfd pfd{fd_, POLLIN, 0};
        const int pr = dtls_ && dtls_->pending() ? 1 : ::poll(&pfd, 1, static_cast<int>(left));
        if (pr < 0) {
            if (errno == EINTR) {
                continue;
            }
            return common::fail(make_error(client_errc::network,
                                           std::string("poll failed: ") + std::strerror(errno)));
        }
        if (pr == 0) {
            if (clock::now() >= deadline) {
                return std::optional<sn::packet>{};
            }
            continue;
        }
        long got = 0;
        if (dtls_) {
            got = dtls_->read(buf);
            if (got < 0) {
                return common::fail(make_error(client_errc::network, dtls_->error()));
            }
            if (got == 0) {
                continue; // a handshake retransmission, or nothing yet
            }
        }
        const ssize_t n =
            dtls_ ? static_cast<ssize_t>(got) : ::recv(fd_, buf.data(), buf.size(), 0);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            if (errno == ECONNREFUSED) {
                // ICMP port unreachable: nobody listens on the gateway port.
                return common::fail(make_error(
                    client_errc::network, "no MQTT-SN gateway at " + ep_.host + " port " +
                                              std::to_string(ep_.port) + " (connection refused)"));
            }
            return common::fail(make_error(client_errc::network,
                                           std::string("receive failed: ") + std::strerror(errno)));
        }
        auto decoded =
            sn::decode(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
        if (!decoded) {
            ++malformed_;
            continue;
        }
        if (const auto* e = as<sn::encapsulated>(*decoded)) {
            auto inner = sn::decode(e->inner);
            if (!inner) {
                ++malformed_;
                continue;
            }
            if (ep_.trace) {
                ep_.trace(false, *inner);
            }
            return std::optional<sn::packet>{std::move(*inner)};
        }
        if (ep_.trace) {
            ep_.trace(false, *decoded);
        }
        return std::optional<sn::packet>{std::move(*decoded)};
    }
}

client_result<std::optional<sn::packet>>
sn_client::receive_packet(std::chrono::milliseconds timeout) {
    return read_until(clock::now() + timeout);
}

void sn_client::deliver(const sn::publish& p) {
    message m;
    m.topic_type = p.flag.topic_type;
    m.topic_id = p.topic_id;
    m.qos_level = p.flag.qos_level;
    m.retain = p.flag.retain;
    m.dup = p.flag.dup;
    m.payload = p.data;
    if (p.flag.topic_type == sn::topic_id_type::short_name) {
        m.topic = short_name_of(p.topic_id);
    } else {
        const auto it = names_.find(key(static_cast<int>(p.flag.topic_type), p.topic_id));
        if (it != names_.end()) {
            m.topic = it->second;
        }
    }
    if (wake_sink_ != nullptr) {
        wake_sink_->push_back(std::move(m));
    } else {
        inbox_.push_back(std::move(m));
    }
}

client_result<void> sn_client::handle_incidental(const sn::packet& p) {
    if (const auto* pub = as<sn::publish>(p)) {
        // MQTT-SN 1.2 §6.8 (gateway to client direction).
        switch (pub->flag.qos_level) {
        case sn::qos::zero:
        case sn::qos::minus_one:
            deliver(*pub);
            return {};
        case sn::qos::one: {
            deliver(*pub);
            return send_raw(sn::puback{pub->topic_id, pub->msg_id, sn::return_code::accepted});
        }
        case sn::qos::two:
            // Deliver once: a DUP retransmission before PUBREL is only acknowledged again.
            if (qos2_inbound_.insert(pub->msg_id).second) {
                deliver(*pub);
            }
            return send_raw(sn::pubrec{pub->msg_id});
        }
        return {};
    }
    if (const auto* rel = as<sn::pubrel>(p)) {
        qos2_inbound_.erase(rel->msg_id);
        return send_raw(sn::pubcomp{rel->msg_id});
    }
    if (const auto* reg = as<sn::register_>(p)) {
        // MQTT-SN 1.2 §6.5: the gateway tells us a topic id before it PUBLISHes with it.
        names_[key(0, reg->topic_id)] = reg->topic_name;
        return send_raw(sn::regack{reg->topic_id, reg->msg_id, sn::return_code::accepted});
    }
    if (as<sn::pingreq>(p) != nullptr) {
        return send_raw(sn::pingresp{});
    }
    if (as<sn::disconnect>(p) != nullptr) {
        return common::fail(make_error(client_errc::disconnected, "gateway sent DISCONNECT"));
    }
    // Stray acks (late duplicates), ADVERTISE, GWINFO: ignored.
    return {};
}

client_result<sn::packet> sn_client::exchange(const std::optional<sn::packet>& request,
                                              matcher match, std::uint16_t msg_id,
                                              std::string_view what) {
    const auto start = clock::now();
    const auto deadline = start + ep_.timeout;
    std::optional<sn::packet> resend = request;
    if (request) {
        if (auto s = send_raw(*request); !s) {
            return common::fail(s.error());
        }
        // Retransmissions carry DUP where the message has a Flags field (§5.3.4).
        if (auto* pub = std::get_if<sn::publish>(&*resend)) {
            pub->flag.dup = true;
        } else if (auto* sub = std::get_if<sn::subscribe>(&*resend)) {
            sub->flag.dup = true;
        }
    }
    auto next_retry =
        ep_.retry_interval.count() > 0 ? start + ep_.retry_interval : clock::time_point::max();
    for (;;) {
        const auto wait_until = std::min(deadline, next_retry);
        auto got = read_until(wait_until);
        if (!got) {
            return common::fail(got.error());
        }
        if (!*got) {
            if (clock::now() >= deadline) {
                return common::fail(
                    make_error(client_errc::timeout, "timed out waiting for " + std::string(what)));
            }
            if (resend) {
                if (auto s = send_raw(*resend); !s) {
                    return common::fail(s.error());
                }
            }
            next_retry = clock::now() + ep_.retry_interval;
            continue;
        }
        if (match(**got, msg_id)) {
            return std::move(**got);
        }
        if (auto h = handle_incidental(**got); !h) {
            return common::fail(h.error());
        }
    }
}

client_result<void> sn_client::connect(const connect_options& opts) {
    if (opts.client_id.empty()) {
        return common::fail(make_error(client_errc::bad_argument, "empty client id"));
    }
    client_id_ = opts.client_id;
    sn::connect c;
    c.flag.clean_session = opts.clean_session;
    c.flag.will = opts.will.has_value();
    c.duration = opts.keep_alive;
    c.client_id = opts.client_id;
    // MQTT-SN 1.2 §6.3: with the Will flag the gateway asks for WILLTOPIC, then WILLMSG.
    std::optional<sn::packet> request = sn::packet{c};
    for (;;) {
        auto got = exchange(
            request,
            [](const sn::packet& p, std::uint16_t) {
                return as<sn::connack>(p) != nullptr || as<sn::willtopicreq>(p) != nullptr ||
                       as<sn::willmsgreq>(p) != nullptr;
            },
            0, sn::to_string(sn::msg_type::connack));
        if (!got) {
            return common::fail(got.error());
        }
        if (const auto* ack = as<sn::connack>(*got)) {
            if (ack->rc != sn::return_code::accepted) {
                return common::fail(refused("connection", ack->rc));
            }
            return {};
        }
        if (as<sn::willtopicreq>(*got) != nullptr) {
            sn::willtopic wt;
            if (opts.will) {
                wt.flag.qos_level = opts.will->qos_level;
                wt.flag.retain = opts.will->retain;
                wt.topic = opts.will->topic;
            }
            request = sn::packet{wt};
        } else {
            sn::willmsg wm;
            if (opts.will) {
                wm.message = opts.will->payload;
            }
            request = sn::packet{wm};
        }
    }
}

client_result<std::uint16_t> sn_client::register_topic(std::string_view name) {
    if (name.empty()) {
        return common::fail(make_error(client_errc::bad_argument, "empty topic name"));
    }
    if (const auto it = registered_.find(name); it != registered_.end()) {
        return it->second;
    }
    const std::uint16_t mid = next_msg_id();
    auto got = exchange(
        sn::packet{sn::register_{0, mid, std::string(name)}},
        [](const sn::packet& p, std::uint16_t id) {
            const auto* a = as<sn::regack>(p);
            return a != nullptr && a->msg_id == id;
        },
        mid, sn::to_string(sn::msg_type::regack));
    if (!got) {
        return common::fail(got.error());
    }
    const auto& ack = std::get<sn::regack>(*got);
    if (ack.rc != sn::return_code::accepted) {
        return common::fail(refused("REGISTER '" + std::string(name) + "'", ack.rc));
    }
    registered_.emplace(std::string(name), ack.topic_id);
    names_[key(0, ack.topic_id)] = std::string(name);
    return ack.topic_id;
}

client_result<void> sn_client::publish(const topic_ref& topic,
                                       std::span<const std::uint8_t> payload, sn::qos q,
                                       bool retain) {
    sn::publish p;
    p.flag = topic_flags(topic);
    p.flag.qos_level = q;
    p.flag.retain = retain;
    p.data.assign(payload.begin(), payload.end());
    switch (topic.type) {
    case sn::topic_id_type::normal:
        if (q == sn::qos::minus_one) {
            // spec-decisions rule 1, MQTT-SN 1.2 §6.8: QoS −1 has no REGISTER.
            return common::fail(make_error(client_errc::bad_argument,
                                           "QoS -1 needs a predefined topic id or a short topic"));
        }
        if (topic.name.empty()) {
            p.topic_id = topic.id;
        } else {
            auto id = register_topic(topic.name);
            if (!id) {
                return common::fail(id.error());
            }
            p.topic_id = *id;
        }
        break;
    case sn::topic_id_type::predefined:
        p.topic_id = topic.id;
        break;
    case sn::topic_id_type::short_name:
        if (topic.name.size() != 2) {
            return common::fail(make_error(client_errc::bad_argument,
                                           "a short topic name has exactly 2 characters"));
        }
        p.topic_id = short_id(topic.name);
        break;
    }
    if (q == sn::qos::zero || q == sn::qos::minus_one) {
        return send_raw(p);
    }
    p.msg_id = next_msg_id();
    const std::uint16_t mid = p.msg_id;
    if (q == sn::qos::one) {
        auto got = exchange(
            sn::packet{p},
            [](const sn::packet& r, std::uint16_t id) {
                const auto* a = as<sn::puback>(r);
                return a != nullptr && a->msg_id == id;
            },
            mid, sn::to_string(sn::msg_type::puback));
        if (!got) {
            return common::fail(got.error());
        }
        const auto& ack = std::get<sn::puback>(*got);
        if (ack.rc != sn::return_code::accepted) {
            return common::fail(refused("PUBLISH", ack.rc));
        }
        return {};
    }
    // QoS 2: PUBLISH -> PUBREC (or a refusing PUBACK) -> PUBREL -> PUBCOMP. §6.8, Fig. 4.
    auto rec = exchange(
        sn::packet{p},
        [](const sn::packet& r, std::uint16_t id) {
            if (const auto* a = as<sn::pubrec>(r)) {
                return a->msg_id == id;
            }
            const auto* a = as<sn::puback>(r);
            return a != nullptr && a->msg_id == id;
        },
        mid, "PUBREC");
    if (!rec) {
        return common::fail(rec.error());
    }
    if (const auto* ack = as<sn::puback>(*rec)) {
        return common::fail(refused("PUBLISH", ack->rc));
    }
    auto comp = exchange(
        sn::packet{sn::pubrel{mid}},
        [](const sn::packet& r, std::uint16_t id) {
            const auto* a = as<sn::pubcomp>(r);
            return a != nullptr && a->msg_id == id;
        },
        mid, "PUBCOMP");
    if (!comp) {
        return common::fail(comp.error());
    }
    return {};
}

client_result<subscription> sn_client::subscribe(const topic_ref& topic, sn::qos q) {
    sn::subscribe s;
    s.flag = topic_flags(topic);
    s.flag.qos_level = q;
    s.msg_id = next_msg_id();
    switch (topic.type) {
    case sn::topic_id_type::normal:
        if (topic.name.empty()) {
            return common::fail(make_error(client_errc::bad_argument, "empty topic filter"));
        }
        s.topic_name = topic.name;
        break;
    case sn::topic_id_type::short_name:
        if (topic.name.size() != 2) {
            return common::fail(make_error(client_errc::bad_argument,
                                           "a short topic name has exactly 2 characters"));
        }
        s.topic_name = topic.name;
        break;
    case sn::topic_id_type::predefined:
        s.topic_id = topic.id;
        break;
    }
    const std::uint16_t mid = s.msg_id;
    auto got = exchange(
        sn::packet{s},
        [](const sn::packet& r, std::uint16_t id) {
            const auto* a = as<sn::suback>(r);
            return a != nullptr && a->msg_id == id;
        },
        mid, sn::to_string(sn::msg_type::suback));
    if (!got) {
        return common::fail(got.error());
    }
    const auto& ack = std::get<sn::suback>(*got);
    if (ack.rc != sn::return_code::accepted) {
        return common::fail(refused("SUBSCRIBE", ack.rc));
    }
    if (topic.type == sn::topic_id_type::normal && ack.topic_id != 0) {
        names_[key(0, ack.topic_id)] = topic.name;
        registered_.emplace(topic.name, ack.topic_id);
    }
    return subscription{ack.topic_id, ack.flag.qos_level};
}

client_result<void> sn_client::unsubscribe(const topic_ref& topic) {
    sn::unsubscribe u;
    u.flag = topic_flags(topic);
    u.msg_id = next_msg_id();
    if (topic.type == sn::topic_id_type::predefined) {
        u.topic_id = topic.id;
    } else {
        u.topic_name = topic.name;
    }
    auto got = exchange(
        sn::packet{u},
        [](const sn::packet& r, std::uint16_t id) {
            const auto* a = as<sn::unsuback>(r);
            return a != nullptr && a->msg_id == id;
        },
        u.msg_id, sn::to_string(sn::msg_type::unsuback));
    if (!got) {
        return common::fail(got.error());
    }
    return {};
}

client_result<void> sn_client::ping() {
    auto got = exchange(
        sn::packet{sn::pingreq{}},
        [](const sn::packet& r, std::uint16_t) { return as<sn::pingresp>(r) != nullptr; }, 0,
        sn::to_string(sn::msg_type::pingresp));
    if (!got) {
        return common::fail(got.error());
    }
    return {};
}

client_result<void> sn_client::sleep(std::uint16_t seconds) {
    auto got = exchange(
        sn::packet{sn::disconnect{seconds}},
        [](const sn::packet& r, std::uint16_t) { return as<sn::disconnect>(r) != nullptr; }, 0,
        "DISCONNECT");
    if (!got) {
        return common::fail(got.error());
    }
    return {};
}

client_result<std::vector<message>> sn_client::wake() {
    if (client_id_.empty()) {
        return common::fail(make_error(client_errc::bad_argument, "wake() before connect()"));
    }
    std::vector<message> buffered;
    wake_sink_ = &buffered;
    // MQTT-SN 1.2 §6.14: PINGREQ with the ClientId; the gateway sends what it buffered, then
    // PINGRESP. Each buffered message restarts nothing: the exchange timeout covers it all.
    auto got = exchange(
        sn::packet{sn::pingreq{client_id_}},
        [](const sn::packet& r, std::uint16_t) { return as<sn::pingresp>(r) != nullptr; }, 0,
        sn::to_string(sn::msg_type::pingresp));
    wake_sink_ = nullptr;
    if (!got) {
        // Keep what arrived for receive().
        for (auto& m : buffered) {
            inbox_.push_back(std::move(m));
        }
        return common::fail(got.error());
    }
    return buffered;
}

client_result<void> sn_client::disconnect() {
    auto got = exchange(
        sn::packet{sn::disconnect{}},
        [](const sn::packet& r, std::uint16_t) { return as<sn::disconnect>(r) != nullptr; }, 0,
        "DISCONNECT");
    if (!got) {
        return common::fail(got.error());
    }
    return {};
}

client_result<std::optional<message>> sn_client::receive(std::chrono::milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
        if (!inbox_.empty()) {
            message m = std::move(inbox_.front());
            inbox_.pop_front();
            return std::optional<message>{std::move(m)};
        }
        auto got = read_until(deadline);
        if (!got) {
            return common::fail(got.error());
        }
        if (!*got) {
            return std::optional<message>{};
        }
        if (auto h = handle_incidental(**got); !h) {
            return common::fail(h.error());
        }
    }
}

} // namespace snbridge::tools
