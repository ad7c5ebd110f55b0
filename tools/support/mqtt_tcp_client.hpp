#pragma once

// A minimal blocking MQTT 3.1.1 client over one TCP socket (TCP_NODELAY), for the MQTT side
// of snbridge-bench: a subscriber that measures delivery, a publisher for downlink and the
// native-ingest ceiling. It batches QoS 0 PUBLISHes in an output buffer. One thread per
// client; never throws on network input.

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mqtt/packet.hpp"
#include "common/result.hpp"

namespace snbridge::tools {

class mqtt_tcp_client {
public:
    /// TCP connect, MQTT CONNECT (clean session), wait for CONNACK.
    [[nodiscard]] static common::result<mqtt_tcp_client>
    open(const std::string& host, std::uint16_t port, const std::string& client_id,
         std::uint16_t keep_alive_s, std::chrono::milliseconds timeout);

    mqtt_tcp_client(mqtt_tcp_client&& other) noexcept;
    mqtt_tcp_client& operator=(mqtt_tcp_client&& other) noexcept;
    mqtt_tcp_client(const mqtt_tcp_client&) = delete;
    mqtt_tcp_client& operator=(const mqtt_tcp_client&) = delete;
    ~mqtt_tcp_client();

    /// SUBSCRIBE one filter and wait for SUBACK.
    common::result<void> subscribe(std::string_view filter, std::uint8_t qos,
                                   std::chrono::milliseconds timeout);
    /// Appends a PUBLISH to the output buffer (flushed when it passes 64 KiB or by flush()).
    common::result<void> queue_publish(std::string_view topic,
                                       std::span<const std::uint8_t> payload, std::uint8_t qos,
                                       std::uint16_t packet_id);
    /// Appends any packet (PUBACK, PUBREC, ...) to the output buffer.
    void queue(const common::mqtt::packet& p);
    /// Writes the output buffer out (blocking).
    common::result<void> flush();
    /// Waits up to `timeout` for input, then hands every complete packet to `on_packet`.
    /// Returns the number of packets read (0 on timeout).
    common::result<std::size_t>
    read(std::chrono::milliseconds timeout,
         const std::function<void(const common::mqtt::packet&)>& on_packet);
    /// Sends DISCONNECT and closes.
    void close();
    [[nodiscard]] int native_handle() const noexcept { return fd_; }

private:
    explicit mqtt_tcp_client(int fd) noexcept
        : fd_(fd) {}

    int fd_ = -1;
    std::vector<std::uint8_t> out_;
    std::vector<std::uint8_t> in_;
};

} // namespace snbridge::tools
