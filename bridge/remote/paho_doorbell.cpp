#include "bridge/remote/paho_doorbell.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "common/log.hpp"

namespace snbridge::bridge::remote {

namespace {
// MQTT 3.1.1 §3.2: CONNACK, remaining length 2, no session present, return code 0 (accepted).
constexpr std::array<std::uint8_t, 4> connack{0x20, 0x02, 0x00, 0x00};
// MQTT 3.1.1 §3.13: PINGRESP, remaining length 0.
constexpr std::array<std::uint8_t, 2> pingresp{0xD0, 0x00};
// A CONNECT carrying a short ClientId is far smaller; more without it is not ours.
constexpr std::size_t max_connect_bytes = 512;
} // namespace

paho_doorbell::paho_doorbell(common::uv::loop& loop, std::string client_id)
    : loop_(loop)
    , client_id_(std::move(client_id)) {}

paho_doorbell::~paho_doorbell() {
    // Normally taken by paho_context::retire; otherwise Paho just loses the connection.
    client_.reset();
}

bool paho_doorbell::start() {
    if (started_) {
        return client_ != nullptr;
    }
    started_ = true;
    server_ = std::make_unique<common::uv::tcp_server>(loop_);
    auto listening = server_->listen(
        common::net_address::v4(127, 0, 0, 1, 0),
        [this](std::unique_ptr<common::uv::tcp_stream> s) { on_accept(std::move(s)); });
    if (!listening) {
        common::log::debug("Upstream doorbell: ", listening.error().message);
        server_.reset();
        return false;
    }
    const auto address = server_->local_address();
    if (!address) {
        common::log::debug("Upstream doorbell: ", address.error().message);
        server_.reset();
        return false;
    }
    server_->unref();
    try {
        client_ = std::make_shared<mqtt::async_client>(
            common::log::cat("tcp://127.0.0.1:", address->port), client_id_, nullptr);
        mqtt::connect_options o;
        o.set_mqtt_version(MQTTVERSION_3_1_1);
        o.set_clean_session(true);
        o.set_keep_alive_interval(0); // no PINGREQ: the listener only ever answers CONNECT
        o.set_automatic_reconnect(false);
        (void)client_->connect(o); // the answer is ours (on_bytes); nothing waits for it
    } catch (const mqtt::exception& e) {
        common::log::debug("Upstream doorbell: ", e.what());
        client_.reset();
        server_.reset();
        return false;
    }
    timer_ = std::make_unique<common::uv::timer>(loop_);
    return true;
}

void paho_doorbell::on_accept(std::unique_ptr<common::uv::tcp_stream> s) {
    if (stream_ || answered_) {
        s->close(); // one connection only: our own client's
        return;
    }
    stream_ = std::move(s);
    (void)stream_->set_no_delay(true);
    stream_->start_read([this](std::span<const std::uint8_t> bytes) { on_bytes(bytes); },
                        [this](int /*status*/) {
                            // Paho disconnected (shutdown) or lost it: connects go on at
                            // Paho's own pace.
                            answered_ = false;
                            stream_.reset();
                        });
}

void paho_doorbell::on_bytes(std::span<const std::uint8_t> bytes) {
    if (answered_ || !stream_) {
        return; // later bytes (DISCONNECT) need no answer
    }
    seen_.insert(seen_.end(), bytes.begin(), bytes.end());
    const std::string_view text(reinterpret_cast<const char*>(seen_.data()), seen_.size());
    if (text.find(client_id_) == std::string_view::npos) {
        if (seen_.size() > max_connect_bytes) {
            stream_->close(); // not our client
        }
        return;
    }
    seen_.clear();
    if (stream_->write(connack) == 0) {
        answered_ = true;
        common::log::debug("Upstream doorbell: ready");
    }
}

void paho_doorbell::connect_started() {
    if (connecting_++ == 0 && timer_) {
        timer_->start(
            std::chrono::milliseconds(1), [this] { ring(); }, ring_interval);
    }
}

void paho_doorbell::connect_ended() {
    if (connecting_ > 0 && --connecting_ == 0 && timer_) {
        timer_->stop();
    }
}

void paho_doorbell::ring() {
    if (answered_ && stream_ && stream_->queued_bytes() == 0 && stream_->write(pingresp) == 0) {
        ++rings_;
    }
}

std::shared_ptr<mqtt::async_client> paho_doorbell::take_client() {
    timer_.reset();
    server_.reset(); // the stream stays until Paho's DISCONNECT closes it
    connecting_ = 0;
    return std::move(client_);
}

} // namespace snbridge::bridge::remote
