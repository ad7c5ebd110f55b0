#include "tools/support/dtls_channel.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <optional>
#include <poll.h>
#include <sys/socket.h>

#include "common/tls/dtls_suites.hpp"

namespace snbridge::tools {

namespace {

std::string reason(std::string_view fallback) {
    const auto code = ERR_get_error();
    ERR_clear_error();
    const char* r = code == 0 ? nullptr : ERR_reason_error_string(code);
    return r != nullptr ? std::string(r) : std::string(fallback);
}

std::optional<std::string> bytes_of_hex(const std::string& hex, std::string& out) {
    if (hex.size() % 2 != 0 || hex.size() > 2 * PSK_MAX_PSK_LEN) {
        return "--psk must be an even number of hex digits (at most " +
               std::to_string(2 * PSK_MAX_PSK_LEN) + ")";
    }
    out.clear();
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        unsigned value = 0;
        for (std::size_t j = i; j < i + 2; ++j) {
            const char c = hex[j];
            const int d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0) {
                return "--psk must be hex digits, got '" + std::string(1, c) + "'";
            }
            value = value * 16 + static_cast<unsigned>(d);
        }
        out.push_back(static_cast<char>(value));
    }
    return std::nullopt;
}

unsigned int give_psk(SSL* ssl, const char* hint, char* identity, unsigned int max_identity,
                      unsigned char* psk, unsigned int max_psk) {
    (void)hint;
    const auto* self = static_cast<const dtls_channel*>(SSL_get_app_data(ssl));
    const auto& s = self->settings();
    std::string key;
    if (bytes_of_hex(s.psk_hex, key) || key.size() > max_psk ||
        s.psk_identity.size() + 1 > max_identity) {
        return 0;
    }
    std::memcpy(identity, s.psk_identity.c_str(), s.psk_identity.size() + 1);
    std::memcpy(psk, key.data(), key.size());
    return static_cast<unsigned int>(key.size());
}

common::error failed(const std::string& why) {
    return common::error{"DTLS: " + why};
}

} // namespace

dtls_channel::dtls_channel(private_tag, SSL_CTX* ctx, SSL* ssl, dtls_settings s) noexcept
    : ctx_(ctx)
    , ssl_(ssl)
    , settings_(std::move(s)) {}

dtls_channel::~dtls_channel() {
    if (ssl_ != nullptr) {
        if (SSL_is_init_finished(ssl_) == 1) {
            SSL_shutdown(ssl_); // close_notify: the gateway forgets the session at once
        }
        SSL_free(ssl_);
    }
    SSL_CTX_free(ctx_);
}

common::result<std::unique_ptr<dtls_channel>>
dtls_channel::handshake(int fd, const dtls_settings& s, const std::string& host,
                        std::chrono::milliseconds timeout) {
    std::string key;
    if (!s.psk_hex.empty()) {
        if (auto why = bytes_of_hex(s.psk_hex, key)) {
            return common::fail(failed(*why));
        }
        if (s.psk_identity.empty()) {
            return common::fail(failed("--psk needs --psk-identity"));
        }
    }
    if (!s.cert.empty() && s.key.empty()) {
        return common::fail(failed("--cert needs --key"));
    }
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(DTLS_client_method());
    if (ctx == nullptr) {
        return common::fail(failed("cannot create a context: " + reason("out of memory")));
    }
    auto channel = std::make_unique<dtls_channel>(private_tag{}, ctx, nullptr, s);
    SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);
    std::string suites;
    if (!s.psk_hex.empty()) {
        SSL_CTX_set_psk_client_callback(ctx, give_psk);
        suites = common::tls::dtls_psk_suites;
    }
    if (!s.cert.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx, s.cert.c_str()) != 1) {
            return common::fail(failed("--cert " + s.cert + ": " + reason("unusable")));
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, s.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ctx) != 1) {
            return common::fail(failed("--key " + s.key + ": " + reason("does not fit --cert")));
        }
    }
    if (!s.cafile.empty() || !s.cert.empty()) {
        suites += (suites.empty() ? "" : ":") + std::string(common::tls::dtls_certificate_suites);
    }
    if (!s.cafile.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, s.cafile.c_str(), nullptr) != 1) {
            return common::fail(failed("--cafile " + s.cafile + ": " + reason("unusable")));
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    } else if (!s.cert.empty()) {
        return common::fail(failed("--cert needs --cafile (to check the gateway)"));
    }
    SSL_CTX_set_cipher_list(ctx, suites.c_str());

    SSL* ssl = SSL_new(ctx);
    channel->ssl_ = ssl;
    SSL_set_app_data(ssl, channel.get());
    if (!s.cafile.empty()) {
        auto* param = SSL_get0_param(ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
            ERR_clear_error();
            SSL_set1_host(ssl, host.c_str());
        }
    }
    BIO* bio = BIO_new_dgram(fd, BIO_NOCLOSE);
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    if (bio == nullptr || ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) {
        BIO_free(bio);
        return common::fail(failed("cannot set up the socket"));
    }
    BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
    SSL_set_bio(ssl, bio, bio);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        ERR_clear_error();
        const int rc = SSL_connect(ssl);
        if (rc == 1) {
            return channel;
        }
        const int err = SSL_get_error(ssl, rc);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
            auto why = reason(err == SSL_ERROR_SYSCALL ? std::strerror(errno) : "refused");
            if (SSL_get_verify_result(ssl) != X509_V_OK) {
                why += std::string(" (") +
                       X509_verify_cert_error_string(SSL_get_verify_result(ssl)) + ")";
            }
            return common::fail(failed("handshake failed: " + why));
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return common::fail(failed("no handshake within " + std::to_string(timeout.count()) +
                                       " ms (wrong key, or no DTLS listener there)"));
        }
        timeval left{};
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        if (DTLSv1_get_timeout(ssl, &left) == 1) {
            wait =
                std::min(wait, std::chrono::milliseconds(left.tv_sec * 1000 + left.tv_usec / 1000));
        }
        pollfd pfd{fd, POLLIN, 0};
        const int pr = ::poll(&pfd, 1, static_cast<int>(wait.count()) + 1);
        if (pr == 0) {
            DTLSv1_handle_timeout(ssl); // retransmits the flight
        }
    }
}

bool dtls_channel::write(std::span<const std::uint8_t> bytes) {
    ERR_clear_error();
    if (SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) <= 0) {
        error_ = "DTLS: send failed: " + reason("session closed");
        return false;
    }
    return true;
}

long dtls_channel::read(std::span<std::uint8_t> buf) {
    ERR_clear_error();
    const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
        return n;
    }
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        return 0;
    }
    error_ = err == SSL_ERROR_ZERO_RETURN ? "DTLS: the gateway closed the session"
                                          : "DTLS: " + reason("session failed");
    return -1;
}

bool dtls_channel::pending() const {
    return SSL_pending(ssl_) > 0;
}

} // namespace snbridge::tools
