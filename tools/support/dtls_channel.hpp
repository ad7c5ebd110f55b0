#pragma once

// DTLS 1.2 on the tools' connected UDP socket (snbridge-pub/-sub --psk, --cert; snbridge's
// `mqttsn.dtls_listen`): the handshake with its retransmissions under one deadline, then one
// record per MQTT-SN message. OpenSSL's datagram BIO on the socket; non-blocking after the
// handshake so the client's poll() loop stays in charge.

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/result.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace snbridge::tools {

/// How to authenticate (mosquitto_pub's option names): a PSK, or a certificate; `cafile`
/// checks the gateway's certificate and its name (`host`).
struct dtls_settings {
    std::string psk_hex;      ///< --psk
    std::string psk_identity; ///< --psk-identity
    std::string cafile;       ///< --cafile
    std::string cert;         ///< --cert
    std::string key;          ///< --key
    [[nodiscard]] bool enabled() const noexcept { return !psk_hex.empty() || !cert.empty(); }
};

class dtls_channel {
public:
    /// Handshakes over the connected socket `fd` (left open at the end) within `timeout`; the
    /// error says why it failed (OpenSSL's reason, or the time-out).
    [[nodiscard]] static common::result<std::unique_ptr<dtls_channel>>
    handshake(int fd, const dtls_settings& s, const std::string& host,
              std::chrono::milliseconds timeout);
    ~dtls_channel();
    dtls_channel(const dtls_channel&) = delete;
    dtls_channel& operator=(const dtls_channel&) = delete;

    /// One record; false (with error()) when it cannot be sent.
    bool write(std::span<const std::uint8_t> bytes);
    /// The plaintext of the next record into `buf`: its size, 0 when none is there yet (the
    /// socket had only handshake or no data), -1 when the session ended (error() says how).
    long read(std::span<std::uint8_t> buf);
    /// Records OpenSSL already holds (read() before poll()).
    [[nodiscard]] bool pending() const;
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

    struct private_tag {};
    dtls_channel(private_tag, ssl_ctx_st* ctx, ssl_st* ssl, dtls_settings s) noexcept;
    [[nodiscard]] const dtls_settings& settings() const noexcept { return settings_; }

private:
    ssl_ctx_st* ctx_;
    ssl_st* ssl_;
    dtls_settings settings_;
    std::string error_;
};

} // namespace snbridge::tools
