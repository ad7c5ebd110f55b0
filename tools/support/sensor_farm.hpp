#pragma once

// The MQTT-SN side of snbridge-bench: N simulated sensors on one libuv loop, each with its own
// UDP socket (its own source port) and ClientId. Raw <uv.h> stays inside this file pair
// (common/uv's udp_socket keeps a 64 KiB buffer per socket, too much for 10,000 sensors; here
// all sockets share one receive buffer). Loop thread only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/mqttsn/packet.hpp"
#include "common/result.hpp"
#include "tools/support/bench_metrics.hpp"

namespace snbridge::tools::bench {

namespace sn = common::mqttsn;

enum class sensor_role : std::uint8_t {
    publisher,  ///< CONNECT, REGISTER its topic (or uses a short/predefined one), PUBLISHes
    subscriber, ///< CONNECT, SUBSCRIBE its filter, receives (and acks) PUBLISHes
};

struct sensor_spec {
    sensor_role role = sensor_role::publisher;
    std::string client_id;
    /// Publisher: topic name to REGISTER (normal) or 2-char short name; subscriber: filter.
    std::string topic;
    sn::topic_id_type topic_type = sn::topic_id_type::normal;
    std::uint16_t predefined_id = 0;
    bool sleeper = false;        ///< subscriber that sleeps and wakes with PINGREQ(ClientId)
    bool connectionless = false; ///< QoS −1 publisher: no CONNECT at all
};

struct farm_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    std::uint16_t keep_alive_s = 60;
    sn::qos qos_level = sn::qos::zero;
    std::size_t payload_size = 32;
    /// Handshakes in flight at once during setup (so 10,000 CONNECTs do not flood the port).
    std::size_t connect_window = 200;
    std::chrono::milliseconds retry{2000}; ///< retransmission of unanswered requests
    int max_retries = 5;
    std::uint16_t sleep_duration_s = 10;
    std::chrono::milliseconds wake_interval{2000};
    /// Receive buffer of subscriber sockets (0: system default).
    int subscriber_rcvbuf = 0;
};

/// Counters, updated on the loop thread.
struct farm_counters {
    std::uint64_t ready = 0;        ///< sensors through their handshakes
    std::uint64_t setup_failed = 0; ///< refused or out of retries during setup
    std::uint64_t offered = 0;      ///< PUBLISHes sent (first transmissions)
    std::uint64_t acked = 0;        ///< QoS 1/2 PUBLISHes completed
    std::uint64_t rejected = 0;     ///< PUBACK with a non-zero return code
    std::uint64_t retransmits = 0;
    std::uint64_t gave_up = 0;     ///< QoS 1/2 PUBLISHes abandoned after max_retries
    std::uint64_t send_errors = 0; ///< uv_udp_try_send failures (EAGAIN, ...)
    std::uint64_t received = 0;    ///< PUBLISHes received by subscriber sensors
    std::uint64_t duplicates = 0;  ///< received with a sequence already seen (per sender)
    std::uint64_t disconnects = 0; ///< DISCONNECT from the gateway outside a handshake
    std::uint64_t wakes = 0;       ///< completed PINGREQ(ClientId) .. PINGRESP cycles
};

class sensor_farm {
public:
    sensor_farm(farm_options options, std::vector<sensor_spec> specs);
    ~sensor_farm();
    sensor_farm(const sensor_farm&) = delete;
    sensor_farm& operator=(const sensor_farm&) = delete;
    sensor_farm(sensor_farm&&) = delete;
    sensor_farm& operator=(sensor_farm&&) = delete;

    /// Opens every socket and runs the handshakes until all sensors are ready (or failed) or
    /// `timeout` passes. `progress` is called about once a second.
    common::result<void> setup(std::chrono::milliseconds timeout,
                               const std::function<void(const farm_counters&)>& progress);
    /// Publishers PUBLISH at `rate` msg/s in total (0: as fast as possible) for `duration`;
    /// subscribers receive meanwhile. `tick` is called every `tick_every` on the loop.
    void run_load(double rate, std::chrono::milliseconds duration,
                  const std::function<void(const farm_counters&)>& tick,
                  std::chrono::milliseconds tick_every);
    /// Keeps the loop running (receiving, keep-alive pings, wakes) until `pred` is true or
    /// `timeout` passes; `pred` is checked every 50 ms.
    void run_while(std::chrono::milliseconds timeout, const std::function<bool()>& done);
    /// DISCONNECT every connected sensor (best effort) and close the sockets.
    void shutdown();

    [[nodiscard]] const farm_counters& counters() const noexcept { return counters_; }
    [[nodiscard]] latency_log& latencies() noexcept { return latencies_; }
    /// First CONNECT sent .. CONNACK (accepted) received, one sample per connected sensor.
    [[nodiscard]] latency_log& connect_latencies() noexcept { return connect_latencies_; }

    struct sensor;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
    farm_counters counters_;
    latency_log latencies_;
    latency_log connect_latencies_;
};

} // namespace snbridge::tools::bench
