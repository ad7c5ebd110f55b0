#include "gateway/udp_runtime.hpp"

#include <algorithm>

#include <uv.h>

#include "common/log.hpp"
#include "common/uv/interfaces.hpp"
#include "common/uv/socket_address.hpp"

namespace snbridge::gateway {

namespace {

constexpr std::size_t max_peer_memory = 65536;

const char* family_name(const common::net_address& a) noexcept {
    return a.fam == common::net_address::family::v4 ? "ipv4" : "ipv6";
}

std::string ip_only(const common::net_address& a) {
    auto s = a.to_string();
    if (a.fam == common::net_address::family::v6) {
        return s.substr(1, s.find(']') - 1);
    }
    return s.substr(0, s.rfind(':'));
}

} // namespace

udp_runtime::udp_runtime(common::uv::loop& l, drop_counter& drops, udp_runtime_options options)
    : loop_(l)
    , drops_(drops)
    , options_(std::move(options))
    , own_metrics_(options_.metrics == nullptr ? std::make_unique<common::metrics::registry>()
                                               : nullptr)
    , metrics_(options_.metrics != nullptr ? options_.metrics : own_metrics_.get())
    , limiter_(options_.rate_limit) {
    namespace mqttsn = common::mqttsn;
    if (options_.dtls) {
        const auto in = metrics_->counter_of("snbridge_dtls_datagrams_received_total",
                                             "Datagrams received on the DTLS listeners (before "
                                             "the rate limit).");
        const auto out = metrics_->counter_of("snbridge_dtls_datagrams_sent_total",
                                              "Datagrams sent from the DTLS listeners.");
        received_.fill(in);
        sent_.fill(out);
    }
    for (std::size_t t = 0; t <= 256 && !options_.dtls; ++t) {
        const auto name = t == 256 ? std::string_view("none")
                                   : mqttsn::to_string(static_cast<mqttsn::msg_type>(t));
        received_[t] = metrics_->counter_of(
            "snbridge_mqttsn_datagrams_received_total",
            "MQTT-SN datagrams received, by MsgType (none: too short to have one; before the "
            "rate limit and decoding).",
            {{"type", name}});
        sent_[t] = metrics_->counter_of("snbridge_mqttsn_datagrams_sent_total",
                                        "MQTT-SN datagrams sent, by MsgType.", {{"type", name}});
    }
    own_multicast_ = metrics_->counter_of(
        "snbridge_mqttsn_own_multicast_ignored_total",
        "The gateway's own ADVERTISE/GWINFO received back on its sockets and ignored.");
}

std::size_t udp_runtime::type_index(std::span<const std::uint8_t> bytes) noexcept {
    // MQTT-SN 1.2 §5.2.1: a Length of 0x01 announces the 3-octet form.
    if (bytes.size() >= 2 && bytes[0] != 0x01) {
        return bytes[1];
    }
    if (bytes.size() >= 4 && bytes[0] == 0x01) {
        return bytes[3];
    }
    return 256;
}

std::uint64_t udp_runtime::datagrams_received() const {
    return static_cast<std::uint64_t>(metrics_->total("snbridge_mqttsn_datagrams_received_total"));
}

std::uint64_t udp_runtime::datagrams_sent() const {
    return static_cast<std::uint64_t>(metrics_->total("snbridge_mqttsn_datagrams_sent_total"));
}

udp_runtime::~udp_runtime() {
    stop();
}

common::result<void> udp_runtime::start(datagram_handler& handler) {
    handler_ = &handler;
    timer_ = std::make_unique<common::uv::timer>(loop_);
    // The handler's deadline can move on anything the loop ran (a datagram, a tick, an MQTT-side
    // event from Paho's mailbox or the MQTT listener): re-read it once per loop iteration,
    // before the loop blocks.
    before_wait_ = std::make_unique<common::uv::prepare>(loop_);
    before_wait_->start([this] { reschedule(); });
    for (const auto& address : options_.listen) {
        if (auto r = open_listener(address); !r) {
            return r;
        }
    }
    if (listeners_.empty() && !options_.listen.empty()) {
        return common::fail(common::error{"no UDP listen socket could be opened"});
    }
    reschedule();
    return {};
}

common::result<void> udp_runtime::open_listener(const common::net_address& address) {
    auto socket = std::make_unique<common::uv::udp_socket>(loop_, options_.max_queued_sends);
    common::log::info("Opening ", family_name(address), " listen socket on ",
                      options_.dtls ? "DTLS " : "UDP ",
                      common::uv::is_unspecified(address) ? "port " + std::to_string(address.port)
                                                          : address.to_string(),
                      ".");
    auto bound = socket->bind(address, {.v6_only = true,
                                        .reuse_address = false,
                                        .receive_buffer_bytes = options_.receive_buffer_bytes});
    if (!bound) {
        // A host without IPv6 cannot open "[::]:1883": skip it when another listener works.
        const bool no_v6 = address.fam == common::net_address::family::v6 &&
                           bound.error().message.find("EAFNOSUPPORT") != std::string::npos;
        if (no_v6 && options_.listen.size() > 1) {
            common::log::warning("IPv6 is not available on this host; skipping ",
                                 address.to_string(), ".");
            socket->close();
            return {};
        }
        socket->close();
        return common::fail(common::error{bound.error().message});
    }
    auto local = socket->local_address();
    listener l{std::move(socket), local ? *local : address, std::nullopt};
    if (address.port == 0 && local) {
        common::log::info("Listening on UDP ", local->to_string(), ".");
    }
    const std::size_t index = listeners_.size();
    const int rc = l.socket->start_receive(
        [this, index](const common::net_address& from, std::span<const std::uint8_t> bytes) {
            on_datagram(index, from, bytes);
        },
        [this, index](int status) {
            drops_.drop(status == UV_EMSGSIZE ? "oversized_datagram" : "receive_error",
                        listeners_[index].address, 0, clock::now(), common::uv::error_text(status));
        });
    if (rc < 0) {
        return common::fail(common::error{"cannot receive on UDP " + l.address.to_string() + ": " +
                                          common::uv::error_text(rc)});
    }
    listeners_.push_back(std::move(l));
    open_multicast(listeners_.back());
    return {};
}

void udp_runtime::open_multicast(listener& l) {
    const auto& group = l.address.fam == common::net_address::family::v4 ? options_.multicast_v4
                                                                         : options_.multicast_v6;
    if (!group) {
        return;
    }
    auto& sock = *l.socket;
    const bool wildcard = common::uv::is_unspecified(l.address);
    // Outgoing interface: the listener's own address when it has one (a gateway on 127.0.0.1
    // advertises on loopback), else the kernel's routing choice.
    std::string iface;
    if (!wildcard) {
        iface = l.address.fam == common::net_address::family::v4 ? ip_only(l.address) : "";
        if (!iface.empty()) {
            if (const int rc = sock.set_multicast_interface(iface); rc < 0) {
                common::log::warning("Cannot send multicast from ", l.address.to_string(), ": ",
                                     common::uv::error_text(rc), ".");
            }
        }
    }
    sock.set_multicast_loop(options_.multicast_loop);
    sock.set_multicast_ttl(options_.default_radius == 0 ? 1 : options_.default_radius);
    l.group = *group;
    if (wildcard && host_addresses_.empty()) {
        host_addresses_ = common::uv::interface_addresses();
    }

    // Receiving the group's datagrams (SEARCHGW, §6.1): a wildcard socket on the group's port
    // receives them once it joins; otherwise a separate socket bound to the group address.
    if (wildcard && group->port == l.address.port) {
        if (const int rc = sock.join_multicast(*group, ""); rc < 0) {
            common::log::warning("Cannot join multicast group ", group->to_string(), " on ",
                                 l.address.to_string(), ": ", common::uv::error_text(rc),
                                 "; discovery requests to the group are not received.");
        } else {
            common::log::info("Joined multicast group ", group->to_string(), ".");
        }
        return;
    }
    auto extra = std::make_unique<common::uv::udp_socket>(loop_, options_.max_queued_sends);
    auto bound =
        extra->bind(*group, {.v6_only = true, .reuse_address = true, .receive_buffer_bytes = 0});
    int rc = bound ? extra->join_multicast(*group, wildcard ? "" : ip_only(l.address)) : 0;
    if (!bound || rc < 0) {
        common::log::warning("Cannot receive multicast group ", group->to_string(), " for ",
                             l.address.to_string(), ": ",
                             bound ? common::uv::error_text(rc) : bound.error().message,
                             "; discovery requests to the group are not received.");
        extra->close();
        return;
    }
    const std::size_t index = static_cast<std::size_t>(&l - listeners_.data());
    extra->start_receive(
        [this, index](const common::net_address& from, std::span<const std::uint8_t> bytes) {
            on_datagram(index, from, bytes);
        });
    common::log::info("Joined multicast group ", group->to_string(), " on ",
                      wildcard ? std::string("every interface") : ip_only(l.address), ".");
    group_sockets_.push_back(std::move(extra));
}

void udp_runtime::stop() noexcept {
    for (auto& l : listeners_) {
        l.socket->close();
    }
    for (auto& s : group_sockets_) {
        s->close();
    }
    if (timer_) {
        timer_->close();
    }
    if (before_wait_) {
        before_wait_->close();
    }
}

std::vector<common::net_address> udp_runtime::local_addresses() const {
    std::vector<common::net_address> out;
    out.reserve(listeners_.size());
    for (const auto& l : listeners_) {
        out.push_back(l.address);
    }
    return out;
}

void udp_runtime::on_datagram(std::size_t listener_index, const common::net_address& from,
                              std::span<const std::uint8_t> bytes) {
    if (is_own_multicast(from)) {
        ++own_multicast_;
        return;
    }
    ++received_[type_index(bytes)];
    const auto now = clock::now();
    if (!limiter_.admit(from, bytes.size(), now)) {
        drops_.drop("rate_limited", from, bytes.size(), now, "mqttsn.rate_limit");
        return;
    }
    const auto fam_count = std::count_if(listeners_.begin(), listeners_.end(),
                                         [&](const auto& l) { return l.address.fam == from.fam; });
    if (fam_count > 1) {
        if (peer_listener_.size() >= max_peer_memory && !peer_listener_.contains(from)) {
            peer_listener_.clear();
        }
        peer_listener_[from] = listener_index;
    }
    handler_->on_datagram(from, bytes, now);
}

void udp_runtime::reschedule() {
    if (!timer_ || !timer_->is_open() || handler_ == nullptr) {
        return;
    }
    const auto deadline = handler_->next_deadline();
    if (!deadline) {
        if (armed_) {
            timer_->stop();
            armed_.reset();
        }
        return;
    }
    // Per datagram the deadline usually stays or moves later (keep-alive supervision):
    // nothing to do then; the timer fires at the old deadline and re-arms for the new one.
    if (armed_ && *armed_ <= *deadline) {
        return;
    }
    armed_ = *deadline;
    const auto now = clock::now();
    // Round up: firing a little late is fine (the handler checks), early would spin.
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now);
    if (wait.count() < 0) {
        wait = std::chrono::milliseconds(0);
    }
    timer_->start(wait, [this] {
        armed_.reset();
        // libuv's loop time can lag the steady clock by a millisecond: a timer that fires
        // before the deadline is only re-armed, so the handler never sees an early tick.
        const auto due = handler_->next_deadline();
        if (due && *due <= clock::now()) {
            handler_->on_tick(clock::now());
        }
        reschedule();
    });
}

bool udp_runtime::is_own_multicast(const common::net_address& from) const {
    for (const auto& l : listeners_) {
        if (!l.group || l.address.fam != from.fam || l.address.port != from.port) {
            continue;
        }
        if (l.address.ip == from.ip) {
            return true;
        }
        if (common::uv::is_unspecified(l.address)) {
            auto ip_only = from;
            ip_only.port = 0;
            if (std::find(host_addresses_.begin(), host_addresses_.end(), ip_only) !=
                host_addresses_.end()) {
                return true;
            }
        }
    }
    return false;
}

common::uv::udp_socket* udp_runtime::socket_for(const common::net_address& to) {
    if (const auto it = peer_listener_.find(to); it != peer_listener_.end()) {
        return listeners_[it->second].socket.get();
    }
    for (auto& l : listeners_) {
        if (l.address.fam == to.fam && l.socket->is_open()) {
            return l.socket.get();
        }
    }
    return nullptr;
}

void udp_runtime::send(const common::net_address& to, std::span<const std::uint8_t> bytes) {
    if (gate_ != nullptr && gate_->holding()) {
        if (held_.empty()) {
            gate_->after_commit([this, alive = std::weak_ptr<bool>(alive_)](bool committed) {
                if (!alive.expired()) {
                    release(committed);
                }
            });
        }
        held_.push_back({to, held_bytes_.size(), bytes.size()});
        held_bytes_.insert(held_bytes_.end(), bytes.begin(), bytes.end());
        return;
    }
    send_now(to, bytes);
}

void udp_runtime::release(bool committed) {
    for (const auto& h : held_) {
        const auto bytes = std::span<const std::uint8_t>(held_bytes_).subspan(h.offset, h.size);
        if (committed) {
            send_now(h.to, bytes);
        } else {
            // Nothing these acknowledge is on disk: the clients retransmit (§6.13).
            drops_.drop("commit_failed", h.to, h.size, clock::now(), "persistence cannot write");
        }
    }
    held_.clear();
    held_bytes_.clear();
}

void udp_runtime::send_now(const common::net_address& to, std::span<const std::uint8_t> bytes) {
    auto* sock = socket_for(to);
    if (sock == nullptr) {
        drops_.drop("no_socket_for_family", to, bytes.size(), clock::now(),
                    "no listener of this address family");
        return;
    }
    if (const int rc = sock->send(to, bytes); rc < 0) {
        drops_.drop(rc == UV_ENOBUFS ? "send_queue_full" : "send_failed", to, bytes.size(),
                    clock::now(), common::uv::error_text(rc));
        return;
    }
    ++sent_[type_index(bytes)];
}

void udp_runtime::send_multicast(std::span<const std::uint8_t> bytes, std::uint8_t radius) {
    // MQTT-SN 1.2 §6.1: the radius of ADVERTISE/GWINFO/SEARCHGW is the multicast TTL/hops.
    const int ttl =
        radius != 0 ? radius : (options_.default_radius != 0 ? options_.default_radius : 1);
    for (auto& l : listeners_) {
        if (!l.group || !l.socket->is_open()) {
            continue;
        }
        l.socket->set_multicast_ttl(ttl);
        if (const int rc = l.socket->send(*l.group, bytes); rc < 0) {
            drops_.drop("multicast_send_failed", *l.group, bytes.size(), clock::now(),
                        common::uv::error_text(rc));
            continue;
        }
        ++sent_[type_index(bytes)];
    }
}

} // namespace snbridge::gateway
