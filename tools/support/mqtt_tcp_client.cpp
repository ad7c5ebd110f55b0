#include "tools/support/mqtt_tcp_client.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

#include "common/mqtt/framer.hpp"

namespace snbridge::tools {

namespace mqtt = common::mqtt;

namespace {

common::error err(std::string m) {
    return common::error{std::move(m)};
}

void put_varint(std::vector<std::uint8_t>& out, std::size_t v) {
    // MQTT 3.1.1 §2.2.3 Remaining Length.
    do {
        auto b = static_cast<std::uint8_t>(v % 128U);
        v /= 128U;
        if (v > 0) {
            b = static_cast<std::uint8_t>(b | 0x80U);
        }
        out.push_back(b);
    } while (v > 0);
}

} // namespace

common::result<mqtt_tcp_client> mqtt_tcp_client::open(const std::string& host, std::uint16_t port,
                                                      const std::string& client_id,
                                                      std::uint16_t keep_alive_s,
                                                      std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port_text = std::to_string(port);
    if (const int rc = ::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res); rc != 0) {
        return common::fail(err("cannot resolve '" + host + "': " + ::gai_strerror(rc)));
    }
    int fd = -1;
    std::string last = "no address";
    for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last = std::strerror(errno);
            continue;
        }
        if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        last = std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd < 0) {
        return common::fail(err("MQTT connect to " + host + ":" + port_text + " failed: " + last));
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    mqtt_tcp_client c(fd);
    mqtt::connect conn;
    conn.client_id = client_id;
    conn.keep_alive_s = keep_alive_s;
    conn.clean_session = true;
    c.queue(conn);
    if (auto f = c.flush(); !f) {
        return common::fail(f.error());
    }
    bool acked = false;
    bool refused = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!acked && std::chrono::steady_clock::now() < deadline) {
        auto r = c.read(std::chrono::milliseconds(100), [&](const mqtt::packet& p) {
            if (const auto* a = std::get_if<mqtt::connack>(&p)) {
                acked = true;
                refused = a->rc != mqtt::connack_code::accepted;
            }
        });
        if (!r) {
            return common::fail(r.error());
        }
    }
    if (!acked) {
        return common::fail(err("no CONNACK from " + host + ":" + port_text));
    }
    if (refused) {
        return common::fail(err("MQTT connection refused by " + host + ":" + port_text));
    }
    return c;
}

mqtt_tcp_client::mqtt_tcp_client(mqtt_tcp_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1))
    , out_(std::move(other.out_))
    , in_(std::move(other.in_)) {}

mqtt_tcp_client& mqtt_tcp_client::operator=(mqtt_tcp_client&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = std::exchange(other.fd_, -1);
        out_ = std::move(other.out_);
        in_ = std::move(other.in_);
    }
    return *this;
}

mqtt_tcp_client::~mqtt_tcp_client() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void mqtt_tcp_client::close() {
    if (fd_ < 0) {
        return;
    }
    queue(mqtt::disconnect{});
    (void)flush();
    ::close(fd_);
    fd_ = -1;
}

common::result<void> mqtt_tcp_client::subscribe(std::string_view filter, std::uint8_t qos,
                                                std::chrono::milliseconds timeout) {
    mqtt::subscribe sub;
    sub.packet_id = 1;
    sub.subscriptions.push_back(mqtt::subscription{std::string(filter), qos});
    queue(sub);
    if (auto f = flush(); !f) {
        return f;
    }
    bool acked = false;
    bool failed = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!acked && std::chrono::steady_clock::now() < deadline) {
        auto r = read(std::chrono::milliseconds(100), [&](const mqtt::packet& p) {
            if (const auto* a = std::get_if<mqtt::suback>(&p)) {
                acked = true;
                failed = a->return_codes.empty() || a->return_codes.front() > 2;
            }
        });
        if (!r) {
            return common::fail(r.error());
        }
    }
    if (!acked) {
        return common::fail(err("no SUBACK for '" + std::string(filter) + "'"));
    }
    if (failed) {
        return common::fail(err("SUBSCRIBE '" + std::string(filter) + "' refused"));
    }
    return {};
}

void mqtt_tcp_client::queue(const mqtt::packet& p) {
    const auto bytes = mqtt::encode(p);
    out_.insert(out_.end(), bytes.begin(), bytes.end());
}

common::result<void> mqtt_tcp_client::queue_publish(std::string_view topic,
                                                    std::span<const std::uint8_t> payload,
                                                    std::uint8_t qos, std::uint16_t packet_id) {
    // Hand-encoded (MQTT 3.1.1 §3.3) so the ceiling measurement is not bounded by allocations.
    const std::size_t remaining = 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size();
    out_.push_back(static_cast<std::uint8_t>(0x30U | static_cast<unsigned>(qos << 1U)));
    put_varint(out_, remaining);
    out_.push_back(static_cast<std::uint8_t>(topic.size() >> 8U));
    out_.push_back(static_cast<std::uint8_t>(topic.size() & 0xFFU));
    out_.insert(out_.end(), topic.begin(), topic.end());
    if (qos > 0) {
        out_.push_back(static_cast<std::uint8_t>(packet_id >> 8U));
        out_.push_back(static_cast<std::uint8_t>(packet_id & 0xFFU));
    }
    out_.insert(out_.end(), payload.begin(), payload.end());
    if (out_.size() >= 65536) {
        return flush();
    }
    return {};
}

common::result<void> mqtt_tcp_client::flush() {
    std::size_t done = 0;
    while (done < out_.size()) {
        const ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            out_.clear();
            return common::fail(err(std::string("MQTT send failed: ") + std::strerror(errno)));
        }
        done += static_cast<std::size_t>(n);
    }
    out_.clear();
    return {};
}

common::result<std::size_t>
mqtt_tcp_client::read(std::chrono::milliseconds timeout,
                      const std::function<void(const mqtt::packet&)>& on_packet) {
    pollfd pfd{fd_, POLLIN, 0};
    const int pr = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (pr < 0) {
        if (errno == EINTR) {
            return std::size_t{0};
        }
        return common::fail(err(std::string("poll failed: ") + std::strerror(errno)));
    }
    if (pr == 0) {
        return std::size_t{0};
    }
    std::uint8_t buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) {
        return common::fail(err("MQTT connection closed by the broker"));
    }
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            return std::size_t{0};
        }
        return common::fail(err(std::string("MQTT receive failed: ") + std::strerror(errno)));
    }
    in_.insert(in_.end(), buf, buf + n);
    std::size_t count = 0;
    std::size_t pos = 0;
    for (;;) {
        const auto rest = std::span<const std::uint8_t>(in_).subspan(pos);
        auto frame = mqtt::next_frame(rest, 0);
        if (!frame) {
            return common::fail(err("malformed MQTT stream from the broker"));
        }
        if (!frame->complete) {
            break;
        }
        auto p = mqtt::decode(rest.first(frame->total_size));
        if (!p) {
            return common::fail(err("undecodable MQTT packet from the broker"));
        }
        on_packet(*p);
        ++count;
        pos += frame->total_size;
    }
    in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(pos));
    return count;
}

} // namespace snbridge::tools
