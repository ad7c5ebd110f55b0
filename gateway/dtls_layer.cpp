#include "gateway/dtls_layer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/log.hpp"
#include "common/tls/dtls_suites.hpp"

namespace snbridge::gateway {

namespace {

constexpr std::size_t cookie_length = 32;
constexpr std::size_t max_record_plaintext = 16384;

std::string last_error(std::string_view fallback) {
    const auto code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return std::string(fallback);
    }
    std::array<char, 256> buf{};
    ERR_error_string_n(code, buf.data(), buf.size());
    return buf.data();
}

/// The OpenSSL reason alone ("psk identity not found"), for drop lines.
std::string last_reason(std::string_view fallback) {
    const auto code = ERR_get_error();
    ERR_clear_error();
    const char* reason = code == 0 ? nullptr : ERR_reason_error_string(code);
    return reason != nullptr ? std::string(reason) : std::string(fallback);
}

dtls_layer::bio_io* io_of(BIO* b) {
    return static_cast<dtls_layer::bio_io*>(BIO_get_data(b));
}

// --- the BIO: one datagram in (peeked while DTLSv1_listen looks at it), datagrams out ---------

int bio_write(BIO* b, const char* data, int len) {
    BIO_clear_retry_flags(b);
    auto* io = io_of(b);
    if (io == nullptr || io->out == nullptr || len < 0) {
        return -1;
    }
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data); // NOLINT: OpenSSL's chars
    io->out->bytes.insert(io->out->bytes.end(), bytes, bytes + len);
    io->out->sizes.push_back(static_cast<std::size_t>(len));
    return len;
}

int bio_read(BIO* b, char* data, int len) {
    BIO_clear_retry_flags(b);
    auto* io = io_of(b);
    if (io == nullptr || !io->has_in || len < 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    // Datagram semantics: what does not fit is lost, as with recvfrom.
    const auto n = std::min(io->in.size(), static_cast<std::size_t>(len));
    std::memcpy(data, io->in.data(), n);
    if (!io->peek) {
        io->has_in = false;
    }
    return static_cast<int>(n);
}

long bio_ctrl(BIO* b, int cmd, long num, void* ptr) {
    (void)ptr;
    auto* io = io_of(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_DGRAM_SET_PEEK_MODE:
        if (io != nullptr) {
            io->peek = num != 0;
        }
        return 1;
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
        return 48; // IPv6 + UDP headers: the larger of the two families
    case BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT:
        return 1; // the loop keeps the time (next_deadline)
    default:
        return 0;
    }
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

BIO_METHOD* datagram_method() {
    static BIO_METHOD* const method = [] {
        BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "snbridge-dgram");
        BIO_meth_set_write(m, bio_write);
        BIO_meth_set_read(m, bio_read);
        BIO_meth_set_ctrl(m, bio_ctrl);
        BIO_meth_set_create(m, bio_create);
        return m;
    }();
    return method;
}

// --- callbacks --------------------------------------------------------------------------------

dtls_layer* layer_of(SSL* ssl) {
    return static_cast<dtls_layer*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

int generate_cookie(SSL* ssl, unsigned char* cookie, unsigned int* len) {
    const auto* io = io_of(SSL_get_rbio(ssl));
    if (io == nullptr) {
        return 0;
    }
    *len = static_cast<unsigned int>(
        layer_of(ssl)->cookie_of(io->from, std::span<std::uint8_t>(cookie, cookie_length)));
    return *len > 0 ? 1 : 0;
}

int verify_cookie(SSL* ssl, const unsigned char* cookie, unsigned int len) {
    const auto* io = io_of(SSL_get_rbio(ssl));
    std::array<std::uint8_t, cookie_length> expected{};
    if (io == nullptr || len != cookie_length ||
        layer_of(ssl)->cookie_of(io->from, expected) != cookie_length) {
        return 0;
    }
    return CRYPTO_memcmp(cookie, expected.data(), cookie_length) == 0 ? 1 : 0;
}

unsigned int find_psk(SSL* ssl, const char* identity, unsigned char* psk, unsigned int max_len) {
    const auto* key = layer_of(ssl)->key_of(identity != nullptr ? identity : "");
    if (key == nullptr || key->size() > max_len) {
        return 0; // OpenSSL answers with the unknown_psk_identity alert
    }
    std::memcpy(psk, key->data(), key->size());
    return static_cast<unsigned int>(key->size());
}

/// A ClientHello of epoch 0: a device starting over (RFC 6347 §4.2.8).
bool is_client_hello(std::span<const std::uint8_t> b) noexcept {
    constexpr std::size_t record_header = 13;
    return b.size() > record_header && b[0] == 22 && b[3] == 0 && b[4] == 0 &&
           b[record_header] == 1;
}

} // namespace

dtls_layer::dtls_layer(private_tag, const dtls_options& options, drop_counter& drops)
    : drops_(drops)
    , psk_(options.psk)
    , max_handshakes_(options.max_handshakes)
    , max_sessions_(options.max_sessions)
    , handshake_timeout_(options.handshake_timeout)
    , idle_timeout_(options.idle_timeout)
    , mtu_(options.mtu)
    , plain_buf_(max_record_plaintext)
    , own_metrics_(options.metrics == nullptr ? std::make_unique<common::metrics::registry>()
                                              : nullptr)
    , metrics_(options.metrics != nullptr ? options.metrics : own_metrics_.get()) {
    sessions_gauge_ = metrics_->gauge_of("snbridge_dtls_sessions",
                                         "DTLS sessions established (mqttsn.dtls_listen).");
    handshakes_gauge_ =
        metrics_->gauge_of("snbridge_dtls_handshakes", "DTLS handshakes in progress.");
    hello_verify_ = metrics_->counter_of(
        "snbridge_dtls_hello_verify_requests_total",
        "ClientHellos answered with a HelloVerifyRequest (the stateless cookie exchange).");
    handshakes_done_ = metrics_->counter_of("snbridge_dtls_handshakes_completed_total",
                                            "DTLS handshakes completed with an identity.");
}

common::result<std::unique_ptr<dtls_layer>> dtls_layer::create(const dtls_options& options,
                                                               drop_counter& drops) {
    auto layer = std::make_unique<dtls_layer>(private_tag{}, options, drops);
    if (auto r = layer->make_context(options); !r) {
        return common::fail(r.error());
    }
    if (!layer->make_listener()) {
        return common::fail(
            common::error{"DTLS: cannot create a listener: " + last_error("out of memory")});
    }
    return layer;
}

common::result<void> dtls_layer::make_context(const dtls_options& o) {
    ERR_clear_error();
    if (o.psk.empty() && (o.cert_file.empty() || o.ca_file.empty())) {
        return common::fail(common::error{
            "mqttsn.dtls: devices have no way to authenticate: give psk entries, or cert_file, "
            "key_file and ca_file"});
    }
    ctx_ = SSL_CTX_new(DTLS_server_method());
    if (ctx_ == nullptr) {
        return common::fail(
            common::error{"DTLS: cannot create a context: " + last_error("out of memory")});
    }
    SSL_CTX_set_min_proto_version(ctx_, DTLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, DTLS1_2_VERSION);
    SSL_CTX_set_app_data(ctx_, this);
    SSL_CTX_set_options(ctx_, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_RENEGOTIATION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_cookie_generate_cb(ctx_, generate_cookie);
    SSL_CTX_set_cookie_verify_cb(ctx_, verify_cookie);
    static constexpr std::array<unsigned char, 13> id_context{'s', 'n', 'b', 'r', 'i', 'd', 'g',
                                                              'e', '-', 'd', 't', 'l', 's'};
    SSL_CTX_set_session_id_context(ctx_, id_context.data(), id_context.size());
    std::string ciphers;
    if (!o.psk.empty()) {
        SSL_CTX_set_psk_server_callback(ctx_, find_psk);
        ciphers = common::tls::dtls_psk_suites;
    }
    if (!o.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx_, o.cert_file.c_str()) != 1) {
            return common::fail(common::error{"mqttsn.dtls.cert_file: " + o.cert_file + ": " +
                                              last_error("unusable")});
        }
        if (SSL_CTX_use_PrivateKey_file(ctx_, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
            return common::fail(common::error{"mqttsn.dtls.key_file: " + o.key_file + ": " +
                                              last_error("unusable")});
        }
        if (SSL_CTX_check_private_key(ctx_) != 1) {
            return common::fail(common::error{"mqttsn.dtls.key_file: " + o.key_file +
                                              " does not belong to " + o.cert_file});
        }
        ciphers += (ciphers.empty() ? "" : ":") + std::string(common::tls::dtls_certificate_suites);
    }
    if (!o.ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx_, o.ca_file.c_str(), nullptr) != 1) {
            return common::fail(
                common::error{"mqttsn.dtls.ca_file: " + o.ca_file + ": " + last_error("unusable")});
        }
        // With PSK entries too, a device may use either: the identity check after the
        // handshake refuses one that has neither.
        SSL_CTX_set_verify(
            ctx_, SSL_VERIFY_PEER | (o.psk.empty() ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), nullptr);
    }
    if (SSL_CTX_set_cipher_list(ctx_, ciphers.c_str()) != 1) {
        return common::fail(common::error{"DTLS: no usable cipher suite: " + last_error("")});
    }
    cookie_secret_.resize(32);
    if (RAND_bytes(cookie_secret_.data(), static_cast<int>(cookie_secret_.size())) != 1) {
        return common::fail(common::error{"DTLS: no random bytes for the cookie secret"});
    }
    listen_addr_ = BIO_ADDR_new();
    return {};
}

dtls_layer::~dtls_layer() {
    for (auto& [address, p] : by_address_) {
        SSL_free(p->ssl);
    }
    SSL_free(listener_);
    BIO_ADDR_free(static_cast<BIO_ADDR*>(listen_addr_));
    SSL_CTX_free(ctx_);
}

bool dtls_layer::make_listener() {
    listener_io_ = std::make_unique<bio_io>();
    listener_io_->out = &out_;
    listener_ = SSL_new(ctx_);
    BIO* bio = BIO_new(datagram_method());
    if (listener_ == nullptr || bio == nullptr) {
        BIO_free(bio);
        return false;
    }
    BIO_set_data(bio, listener_io_.get());
    SSL_set_bio(listener_, bio, bio);
    SSL_set_mtu(listener_, mtu_);
    return true;
}

void dtls_layer::attach(datagram_sink& wire, datagram_sink& plain,
                        datagram_handler& core) noexcept {
    wire_ = &wire;
    plain_ = &plain;
    core_ = &core;
}

const std::vector<std::uint8_t>* dtls_layer::key_of(std::string_view identity) const {
    const auto it = std::find_if(psk_.begin(), psk_.end(),
                                 [&](const dtls_psk& p) { return p.identity == identity; });
    return it == psk_.end() ? nullptr : &it->key;
}

std::size_t dtls_layer::cookie_of(const common::net_address& from,
                                  std::span<std::uint8_t> out) const {
    std::array<std::uint8_t, 19> what{};
    what[0] = static_cast<std::uint8_t>(from.fam);
    std::copy(from.ip.begin(), from.ip.end(), what.begin() + 1);
    what[17] = static_cast<std::uint8_t>(from.port >> 8);
    what[18] = static_cast<std::uint8_t>(from.port & 0xff);
    unsigned int len = 0;
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> mac{};
    if (HMAC(EVP_sha256(), cookie_secret_.data(), static_cast<int>(cookie_secret_.size()),
             what.data(), what.size(), mac.data(), &len) == nullptr ||
        len < cookie_length || out.size() < cookie_length) {
        return 0;
    }
    std::copy_n(mac.begin(), cookie_length, out.begin());
    return cookie_length;
}

// --- records in -------------------------------------------------------------------------------

void dtls_layer::on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                             time_point now) {
    const auto it = by_address_.find(from);
    if (it == by_address_.end()) {
        on_unknown(from, bytes, now, nullptr);
        return;
    }
    peer& p = *it->second;
    if (p.established && is_client_hello(bytes)) {
        on_unknown(from, bytes, now, &p);
        return;
    }
    p.io->in = bytes;
    p.io->has_in = true;
    if (!p.established) {
        handshake(p, now);
        return;
    }
    on_record(p, bytes, now);
}

void dtls_layer::on_unknown(const common::net_address& from, std::span<const std::uint8_t> bytes,
                            time_point now, peer* replacing) {
    auto& io = *listener_io_;
    io.in = bytes;
    io.has_in = true;
    io.peek = false;
    io.from = from;
    ERR_clear_error();
    const int rc = DTLSv1_listen(listener_, static_cast<BIO_ADDR*>(listen_addr_));
    const bool answered = !out_.sizes.empty();
    flush(from);
    if (rc <= 0) {
        io.has_in = false;
        if (rc < 0) {
            // A fatal error leaves the listening SSL unusable: a fresh one.
            drops_.drop("dtls_bad_hello", from, bytes.size(), now, last_reason("fatal"));
            SSL_free(listener_);
            if (!make_listener()) {
                common::log::error("DTLS: cannot create a listener: ", last_error("out of memory"));
            }
        } else if (answered) {
            ++hello_verify_;
        } else {
            // Not a ClientHello, or a cookie from another address or an earlier run.
            drops_.drop(replacing != nullptr ? "dtls_bad_hello" : "dtls_no_session", from,
                        bytes.size(), now, last_reason("no DTLS session for this address"));
        }
        return;
    }
    // A ClientHello with a valid cookie: the address is the sender's. Now it gets state.
    if (handshaking_.size() >= max_handshakes_) {
        io.has_in = false;
        drops_.drop("dtls_handshakes_full", from, bytes.size(), now, "mqttsn.dtls.max_handshakes");
        SSL_free(listener_);
        (void)make_listener();
        return;
    }
    if (replacing != nullptr) {
        close(*replacing, "replaced", now, "a new handshake from the same address");
    }
    auto fresh = std::make_unique<peer>();
    fresh->address = from;
    while (next_channel_ == 0 || by_channel_.contains(next_channel_)) {
        ++next_channel_;
    }
    fresh->channel = next_channel_++;
    fresh->ssl = listener_;
    fresh->io = std::move(listener_io_);
    fresh->started = now;
    fresh->last_heard = now;
    SSL_set_mtu(fresh->ssl, mtu_);
    if (!make_listener()) {
        common::log::error("DTLS: cannot create a listener: ", last_error("out of memory"));
    }
    peer& p = *fresh;
    by_channel_[p.channel] = &p;
    by_address_[from] = std::move(fresh);
    handshaking_.push_back(&p);
    update_gauges();
    handshake(p, now);
}

bool dtls_layer::handshake(peer& p, time_point now) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(p.ssl);
    p.io->has_in = false;
    if (rc == 1) {
        flush(p.address);
        p.identity = identity_of(p.ssl);
        if (p.identity.empty()) {
            close(p, "dtls_no_identity", now, "neither a PSK nor a verified certificate");
            return false;
        }
        p.established = true;
        p.retransmit_at.reset();
        p.last_heard = now;
        std::erase(handshaking_, &p);
        ++established_;
        ++handshakes_done_;
        if (established_ > max_sessions_) {
            evict_one(p, now);
        }
        common::log::info("DTLS session ", p.channel, " with ", p.address.to_string(), " as ",
                          p.identity, " (", SSL_get_cipher_name(p.ssl), ").");
        schedule_sweep(now);
        update_gauges();
        return true;
    }
    if (SSL_get_error(p.ssl, rc) == SSL_ERROR_WANT_READ) {
        flush(p.address);
        timeval left{};
        if (DTLSv1_get_timeout(p.ssl, &left) == 1) {
            p.retransmit_at =
                now + std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
        } else {
            p.retransmit_at.reset();
        }
        return true;
    }
    auto why = last_reason("handshake failed");
    if (const char* identity = SSL_get_psk_identity(p.ssl); identity != nullptr) {
        why += " (identity \"" + std::string(identity) + "\")";
    }
    flush(p.address); // the alert
    close(p, "dtls_handshake_failed", now, why);
    return false;
}

void dtls_layer::on_record(peer& p, std::span<const std::uint8_t> bytes, time_point now) {
    const auto channel = p.channel;
    for (;;) {
        ERR_clear_error();
        const int n = SSL_read(p.ssl, plain_buf_.data(), static_cast<int>(plain_buf_.size()));
        if (n > 0) {
            p.last_heard = now;
            auto tagged = p.address;
            tagged.channel = channel;
            core_->on_datagram(
                tagged,
                std::span<const std::uint8_t>(plain_buf_.data(), static_cast<std::size_t>(n)), now);
            if (p.broken) {
                close(p, "dtls_send_failed", now, "the session cannot send");
                return;
            }
            continue;
        }
        const int err = SSL_get_error(p.ssl, n);
        p.io->has_in = false;
        flush(p.address); // retransmitted handshake flights, alerts
        if (err == SSL_ERROR_WANT_READ) {
            return;
        }
        if (err == SSL_ERROR_ZERO_RETURN) {
            close(p, "peer_closed", now, "close_notify");
        } else {
            close(p, "dtls_bad_record", now, last_reason("fatal alert"));
        }
        (void)bytes;
        return;
    }
}

// --- answers out ------------------------------------------------------------------------------

void dtls_layer::send(const common::net_address& to, std::span<const std::uint8_t> bytes) {
    if (to.channel == 0) {
        plain_->send(to, bytes);
        return;
    }
    const auto it = by_channel_.find(to.channel);
    if (it == by_channel_.end() || !it->second->established) {
        drops_.drop("dtls_session_gone", to, bytes.size(), clock::now(),
                    "the device has to handshake again");
        return;
    }
    peer& p = *it->second;
    ERR_clear_error();
    if (SSL_write(p.ssl, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
        drops_.drop("dtls_send_failed", to, bytes.size(), clock::now(), last_reason("write"));
        out_.bytes.clear();
        out_.sizes.clear();
        p.broken = true;
        return;
    }
    flush(p.address);
}

void dtls_layer::send_multicast(std::span<const std::uint8_t> bytes, std::uint8_t radius) {
    plain_->send_multicast(bytes, radius);
}

std::string_view dtls_layer::peer_identity(const common::net_address& from) const {
    if (from.channel == 0) {
        return {};
    }
    const auto it = by_channel_.find(from.channel);
    return it == by_channel_.end() || !it->second->established ? std::string_view{}
                                                               : it->second->identity;
}

void dtls_layer::flush(const common::net_address& to) {
    std::size_t offset = 0;
    for (const auto size : out_.sizes) {
        if (wire_ != nullptr) {
            wire_->send(to, std::span<const std::uint8_t>(out_.bytes).subspan(offset, size));
        }
        offset += size;
    }
    out_.bytes.clear();
    out_.sizes.clear();
}

// --- timers -----------------------------------------------------------------------------------

std::optional<time_point> dtls_layer::next_deadline() const {
    std::optional<time_point> next = next_sweep_;
    const auto earlier = [&](time_point t) {
        if (!next || t < *next) {
            next = t;
        }
    };
    for (const auto* p : handshaking_) {
        earlier(p->started + handshake_timeout_);
        if (p->retransmit_at) {
            earlier(*p->retransmit_at);
        }
    }
    return next;
}

void dtls_layer::on_tick(time_point now) {
    // Copies: closing a peer edits handshaking_.
    const auto in_progress = handshaking_;
    for (auto* p : in_progress) {
        if (now >= p->started + handshake_timeout_) {
            close(*p, "dtls_handshake_timeout", now, "mqttsn.dtls.handshake_timeout");
            continue;
        }
        if (p->retransmit_at && *p->retransmit_at <= now) {
            ERR_clear_error();
            if (DTLSv1_handle_timeout(p->ssl) < 0) {
                flush(p->address);
                close(*p, "dtls_handshake_failed", now, last_reason("too many retransmissions"));
                continue;
            }
            flush(p->address);
            timeval left{};
            p->retransmit_at =
                DTLSv1_get_timeout(p->ssl, &left) == 1
                    ? std::optional<time_point>(now + std::chrono::seconds(left.tv_sec) +
                                                std::chrono::microseconds(left.tv_usec))
                    : std::nullopt;
        }
    }
    if (next_sweep_ && now >= *next_sweep_) {
        std::vector<peer*> idle;
        for (auto& [address, p] : by_address_) {
            if (p->established && now - p->last_heard >= idle_timeout_) {
                idle.push_back(p.get());
            }
        }
        for (auto* p : idle) {
            close(*p, "idle", now, "mqttsn.dtls.idle_timeout");
        }
        next_sweep_.reset();
        schedule_sweep(now);
    }
}

void dtls_layer::schedule_sweep(time_point now) {
    if (established_ == 0 || next_sweep_) {
        return;
    }
    const auto every = std::clamp<std::chrono::milliseconds>(
        std::chrono::duration_cast<std::chrono::milliseconds>(idle_timeout_) / 10,
        std::chrono::seconds(1), std::chrono::seconds(60));
    next_sweep_ = now + every;
}

// --- ending sessions --------------------------------------------------------------------------

void dtls_layer::close(peer& p, std::string_view reason, time_point now, std::string_view detail) {
    if (p.established) {
        if (reason != "replaced" && reason != "dtls_bad_record") {
            ERR_clear_error();
            SSL_shutdown(p.ssl); // close_notify; the device need not answer
            flush(p.address);
        }
        auto closed = metrics_->counter_of(
            "snbridge_dtls_sessions_closed_total",
            "DTLS sessions ended, by reason (idle, evicted, replaced, peer_closed, "
            "dtls_bad_record, dtls_send_failed).",
            {{"reason", reason}});
        ++closed;
        common::log::info("DTLS session ", p.channel, " with ", p.address.to_string(), " (",
                          p.identity, ") closed: ", reason, " (", detail, ").");
    } else {
        drops_.drop(reason, p.address, 0, now, detail);
    }
    erase(p);
}

void dtls_layer::erase(peer& p) {
    if (p.established) {
        --established_;
    }
    std::erase(handshaking_, &p);
    by_channel_.erase(p.channel);
    SSL_free(p.ssl);
    p.ssl = nullptr;
    const auto address = p.address;
    by_address_.erase(address); // destroys p
    if (established_ == 0) {
        next_sweep_.reset();
    }
    update_gauges();
}

void dtls_layer::evict_one(const peer& keep, time_point now) {
    peer* oldest = nullptr;
    for (auto& [address, p] : by_address_) {
        if (p.get() != &keep && p->established &&
            (oldest == nullptr || p->last_heard < oldest->last_heard)) {
            oldest = p.get();
        }
    }
    if (oldest != nullptr) {
        close(*oldest, "evicted", now, "mqttsn.dtls.max_sessions");
    }
}

void dtls_layer::shutdown(time_point now) {
    std::vector<peer*> all;
    all.reserve(by_address_.size());
    for (auto& [address, p] : by_address_) {
        all.push_back(p.get());
    }
    for (auto* p : all) {
        if (p->established) {
            ERR_clear_error();
            SSL_shutdown(p->ssl);
            flush(p->address);
        }
        (void)now;
        erase(*p);
    }
}

std::string dtls_layer::identity_of(ssl_st* ssl) const {
    if (const char* psk = SSL_get_psk_identity(ssl); psk != nullptr) {
        return psk;
    }
    X509* cert = SSL_get0_peer_certificate(ssl);
    if (cert == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
        return {};
    }
    std::array<char, 256> cn{};
    const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn.data(),
                                            static_cast<int>(cn.size()));
    return n > 0 ? std::string(cn.data(), static_cast<std::size_t>(n)) : std::string();
}

void dtls_layer::update_gauges() {
    sessions_gauge_.set(static_cast<double>(established_));
    handshakes_gauge_.set(static_cast<double>(handshaking_.size()));
}

} // namespace snbridge::gateway
