#pragma once

// Wakes Paho C's receive thread while upstream connects are in progress.
//
// Why (Paho C 1.3.12, src/MQTTAsyncUtils.c MQTTAsync_receiveThread/MQTTAsync_cycle and
// src/Socket.c Socket_getReadySocket): one receive thread per process polls a copy of the
// socket set for *reading* with a fixed 1000 ms timeout (then sleeps 100 ms when nothing was
// ready). A new connection's socket joins that copy only when a poll returns, and its
// completed TCP connect (the socket becomes *writable*) is only noticed by the zero-timeout
// write check before the next read poll, which again waits for a readable socket. So the MQTT
// CONNECT leaves 1.1 to 2.1 s after the TCP connect unless another Paho socket gets data.
// Paho offers no option for this timeout (create, connect or init options).
//
// The doorbell is such a socket: one Paho client connected to a listener of ours on
// 127.0.0.1 (it answers CONNECT with CONNACK, MQTT 3.1.1 §3.2). While any connect is in
// progress, ring() writes one PINGRESP (§3.13) to it every few milliseconds: Paho's poll
// returns, the socket set is refreshed and the pending connect completes. Paho treats a
// PINGRESP as "ping answered"; nothing else happens. Loop thread only.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <mqtt/async_client.h>

#include "common/uv/loop.hpp"
#include "common/uv/tcp_server.hpp"
#include "common/uv/tcp_stream.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::bridge::remote {

class paho_doorbell {
public:
    /// `client_id`: the doorbell's ClientId, checked in the CONNECT it accepts.
    paho_doorbell(common::uv::loop& loop, std::string client_id);
    paho_doorbell(const paho_doorbell&) = delete;
    paho_doorbell& operator=(const paho_doorbell&) = delete;
    paho_doorbell(paho_doorbell&&) = delete;
    paho_doorbell& operator=(paho_doorbell&&) = delete;
    ~paho_doorbell();

    /// Listens and connects its Paho client (once). False (logged at debug) when it cannot:
    /// connects then run at Paho's own pace.
    bool start();
    /// A connect began / ended: rings every `ring_interval` while at least one is running.
    void connect_started();
    void connect_ended();
    /// Takes the Paho client away (for paho_context::retire) and closes the listener.
    [[nodiscard]] std::shared_ptr<mqtt::async_client> take_client();

    [[nodiscard]] bool ready() const noexcept { return answered_; }
    [[nodiscard]] std::uint64_t rings() const noexcept { return rings_; }

    static constexpr std::chrono::milliseconds ring_interval{5};

private:
    void on_accept(std::unique_ptr<common::uv::tcp_stream> s);
    void on_bytes(std::span<const std::uint8_t> bytes);
    void ring();

    common::uv::loop& loop_;
    std::string client_id_;
    std::unique_ptr<common::uv::tcp_server> server_;
    std::unique_ptr<common::uv::tcp_stream> stream_;
    std::unique_ptr<common::uv::timer> timer_;
    std::shared_ptr<mqtt::async_client> client_;
    std::vector<std::uint8_t> seen_; ///< the start of the CONNECT, until the ClientId shows
    std::size_t connecting_ = 0;
    std::uint64_t rings_ = 0;
    bool started_ = false;
    bool answered_ = false;
};

} // namespace snbridge::bridge::remote
