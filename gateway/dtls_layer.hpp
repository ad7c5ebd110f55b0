#pragma once

// DTLS 1.2 for MQTT-SN devices (config `mqttsn.dtls_listen` and `mqttsn.dtls`,
// docs/security.md "DTLS"): the layer between the DTLS listeners' udp_runtime and the gateway
// core, so the core stays I/O-free and never sees a record.
//
//   DTLS runtime --records--> dtls_layer --MQTT-SN datagrams--> gateway_core
//   gateway_core --answers--> dtls_layer --records (channel != 0) / as they are--> runtimes
//
// - The MQTT-SN datagrams of a session reach the core from the peer's ip:port tagged with the
//   session (net_address::channel): plaintext from the same ip:port, or the same device after a
//   new handshake, is another endpoint. The core's answers to a tagged address are sealed here;
//   the rest (plain UDP, multicast) passes through to the plain runtime untouched.
// - No state for an address before it returns a valid cookie (RFC 6347 §4.2.1): ClientHellos
//   are answered by one stateless listening SSL (DTLSv1_listen) with a HelloVerifyRequest
//   whose cookie is an HMAC of the address under a secret made at start.
// - Devices authenticate: a PSK identity from `dtls.psk`, or a client certificate that
//   chains to `dtls.ca_file` (its subject CN is the identity). No identity, no session.
// - Bounded: handshakes in progress (`dtls.max_handshakes`) and sessions
//   (`dtls.max_sessions`; when full, the least recently heard makes room). Every refusal is a
//   counted drop with its reason (docs/monitoring.md).
// - Timers: handshake retransmission (OpenSSL's, asked through DTLSv1_get_timeout), the
//   handshake time limit and the idle time-out, all through next_deadline().
// OpenSSL works on memory only (a BIO of our own: one datagram in, the datagrams it writes
// out); no socket is handed to it. Loop thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/metrics/registry.hpp"
#include "common/net_address.hpp"
#include "common/result.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/drop_counter.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace snbridge::gateway {

/// One pre-shared key (`mqttsn.dtls.psk` item).
struct dtls_psk {
    std::string identity;
    std::vector<std::uint8_t> key;
};

struct dtls_options {
    std::vector<dtls_psk> psk;
    /// The gateway's certificate and key (PEM), for devices that use certificates; empty:
    /// PSK only.
    std::string cert_file;
    std::string key_file;
    /// The CA device certificates must chain to; empty: no certificates asked for.
    std::string ca_file;
    std::size_t max_handshakes = 64;
    std::size_t max_sessions = 10'000;
    /// A handshake not finished in this time is dropped.
    std::chrono::milliseconds handshake_timeout{10'000};
    /// A session that has sent nothing for this long is forgotten (the device handshakes
    /// again); longer than the devices' sleep.
    std::chrono::seconds idle_timeout{86'400};
    /// Largest datagram the layer sends (DTLS records and handshake fragments).
    std::uint16_t mtu = 1200;
    /// Where the counters live; nullptr: a registry of the layer's own.
    common::metrics::registry* metrics = nullptr;
};

class dtls_layer final : public datagram_handler, public datagram_sink {
public:
    /// Loads the files and keys; the error names the file (or key) and the cause. `drops`
    /// must outlive the layer.
    [[nodiscard]] static common::result<std::unique_ptr<dtls_layer>>
    create(const dtls_options& options, drop_counter& drops);
    ~dtls_layer() override;
    dtls_layer(const dtls_layer&) = delete;
    dtls_layer& operator=(const dtls_layer&) = delete;

    /// `wire`: the DTLS listeners' runtime; `plain`: the plain UDP runtime (untagged answers
    /// and multicast); `core`: where the datagrams the sessions carry go. All must outlive
    /// the layer.
    void attach(datagram_sink& wire, datagram_sink& plain, datagram_handler& core) noexcept;

    // datagram_handler: records from the DTLS runtime.
    void on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                     time_point now) override;
    void on_tick(time_point now) override;
    [[nodiscard]] std::optional<time_point> next_deadline() const override;
    /// Sends every session a close_notify and forgets them. Call after the core's shutdown.
    void shutdown(time_point now) override;

    // datagram_sink: the core's answers.
    void send(const common::net_address& to, std::span<const std::uint8_t> bytes) override;
    void send_multicast(std::span<const std::uint8_t> bytes, std::uint8_t radius) override;
    [[nodiscard]] std::string_view peer_identity(const common::net_address& from) const override;

    [[nodiscard]] std::size_t sessions() const noexcept { return established_; }
    [[nodiscard]] std::size_t handshakes() const noexcept {
        return by_address_.size() - established_;
    }

    struct private_tag {};
    dtls_layer(private_tag, const dtls_options& options, drop_counter& drops);

    /// The datagrams OpenSSL wrote during one call, one after the other.
    struct outbox {
        std::vector<std::uint8_t> bytes;
        std::vector<std::size_t> sizes;
    };
    /// The datagram and peer an SSL works on during one call (its BIO's data).
    struct bio_io {
        std::span<const std::uint8_t> in;
        bool has_in = false;
        bool peek = false;
        common::net_address from;
        outbox* out = nullptr;
    };
    /// Used by the OpenSSL callbacks.
    [[nodiscard]] const std::vector<std::uint8_t>* key_of(std::string_view identity) const;
    [[nodiscard]] std::size_t cookie_of(const common::net_address& from,
                                        std::span<std::uint8_t> out) const;

private:
    struct peer {
        common::net_address address; ///< as the runtime sees it (channel 0)
        std::uint32_t channel = 0;
        ssl_st* ssl = nullptr;
        std::unique_ptr<bio_io> io;
        bool established = false;
        time_point started{};
        time_point last_heard{};
        std::optional<time_point> retransmit_at;
        std::string identity;
        /// An SSL_write for the core failed: closed after the current call.
        bool broken = false;
    };

    common::result<void> make_context(const dtls_options& o);
    /// A fresh listening SSL with its own BIO (the old one became a peer's).
    bool make_listener();
    /// A datagram for no session (or a new ClientHello on one, `replacing` it): the cookie
    /// exchange, and a new peer once the cookie is valid.
    void on_unknown(const common::net_address& from, std::span<const std::uint8_t> bytes,
                    time_point now, peer* replacing);
    /// Drives the handshake one step; false when the peer was dropped.
    bool handshake(peer& p, time_point now);
    void on_record(peer& p, std::span<const std::uint8_t> bytes, time_point now);
    /// Sends what OpenSSL wrote to `to` through the DTLS runtime.
    void flush(const common::net_address& to);
    void close(peer& p, std::string_view reason, time_point now, std::string_view detail);
    void erase(peer& p);
    /// Makes room for one more session: the least recently heard goes.
    void evict_one(const peer& keep, time_point now);
    void schedule_sweep(time_point now);
    [[nodiscard]] std::string identity_of(ssl_st* ssl) const;
    void update_gauges();

    drop_counter& drops_;
    datagram_sink* wire_ = nullptr;
    datagram_sink* plain_ = nullptr;
    datagram_handler* core_ = nullptr;
    ssl_ctx_st* ctx_ = nullptr;
    ssl_st* listener_ = nullptr;
    std::unique_ptr<bio_io> listener_io_;
    outbox out_;
    std::vector<std::uint8_t> cookie_secret_;
    std::vector<dtls_psk> psk_;
    std::size_t max_handshakes_;
    std::size_t max_sessions_;
    std::chrono::milliseconds handshake_timeout_;
    std::chrono::seconds idle_timeout_;
    std::uint16_t mtu_;
    std::unordered_map<common::net_address, std::unique_ptr<peer>, common::net_address_hash>
        by_address_;
    std::unordered_map<std::uint32_t, peer*> by_channel_;
    /// The peers whose handshake is under way (at most max_handshakes).
    std::vector<peer*> handshaking_;
    std::size_t established_ = 0;
    std::uint32_t next_channel_ = 1;
    /// When idle sessions are next looked for.
    std::optional<time_point> next_sweep_;
    std::vector<std::uint8_t> plain_buf_;
    /// Filled in by DTLSv1_listen (not used: the peer is known).
    void* listen_addr_ = nullptr;

    std::unique_ptr<common::metrics::registry> own_metrics_;
    common::metrics::registry* metrics_;
    common::metrics::gauge sessions_gauge_;
    common::metrics::gauge handshakes_gauge_;
    common::metrics::counter hello_verify_;
    common::metrics::counter handshakes_done_;
};

} // namespace snbridge::gateway
