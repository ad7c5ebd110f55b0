#pragma once

// TLS for a stream the loop already owns (the MQTT listener's TCP connections,
// `broker.mqtt_tls_listen`): OpenSSL on memory BIOs, so no socket is handed to OpenSSL and
// nothing blocks. Bytes from the network go in, plaintext and bytes for the network come out.
// Loop thread only.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"

struct ssl_ctx_st;
struct ssl_st;
struct bio_st;

namespace snbridge::common::tls {

/// A server's certificate, key and (optionally) the CA its clients' certificates must chain to.
struct server_options {
    std::string cert_file;
    std::string key_file;
    std::string ca_file;              ///< empty: no client certificates asked for
    bool require_certificate = false; ///< with ca_file: a client without one is refused
};

class server_context {
public:
    /// Loads and checks the files (TLS 1.2 and 1.3 only); the error names the file and cause.
    [[nodiscard]] static result<std::shared_ptr<server_context>> create(const server_options& o);
    ~server_context();
    server_context(const server_context&) = delete;
    server_context& operator=(const server_context&) = delete;
    [[nodiscard]] ssl_ctx_st* native() const noexcept { return ctx_; }

    struct private_tag {};
    server_context(private_tag, ssl_ctx_st* ctx) noexcept
        : ctx_(ctx) {}

private:
    ssl_ctx_st* ctx_;
};

class session {
public:
    explicit session(std::shared_ptr<server_context> ctx);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Network bytes in; the plaintext they carry is appended to `plain`, and what TLS has to
    /// send (handshake, alerts) to `to_network`. False once the session failed (bad handshake,
    /// bad record) or the peer closed it: the connection should be closed after sending
    /// `to_network`.
    bool on_network(std::span<const std::uint8_t> bytes, std::vector<std::uint8_t>& plain,
                    std::vector<std::uint8_t>& to_network);
    /// Plaintext to send; the records are appended to `to_network`. Before the handshake is
    /// done the plaintext waits inside OpenSSL and goes out after it. False on failure.
    bool write(std::span<const std::uint8_t> plain, std::vector<std::uint8_t>& to_network);
    /// A close_notify, appended to `to_network`.
    void shutdown(std::vector<std::uint8_t>& to_network);
    [[nodiscard]] bool handshake_done() const noexcept;
    /// Why it failed (OpenSSL's reason), for the log.
    [[nodiscard]] const std::string& error() const noexcept { return error_; }

private:
    void drain(std::vector<std::uint8_t>& to_network);
    bool fail();

    std::shared_ptr<server_context> ctx_;
    ssl_st* ssl_ = nullptr;
    bio_st* in_ = nullptr;              ///< network -> OpenSSL (owned by ssl_)
    bio_st* out_ = nullptr;             ///< OpenSSL -> network (owned by ssl_)
    std::vector<std::uint8_t> pending_; ///< plaintext written before the handshake finished
    std::string error_;
    bool failed_ = false;
};

} // namespace snbridge::common::tls
