#include "common/tls/tls_session.hpp"

#include <array>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace snbridge::common::tls {

namespace {

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

} // namespace

result<std::shared_ptr<server_context>> server_context::create(const server_options& o) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) {
        return fail(error{"TLS: cannot create a context: " + last_error("out of memory")});
    }
    auto self = std::make_shared<server_context>(private_tag{}, ctx);
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, o.cert_file.c_str()) != 1) {
        return fail(error{"TLS: certificate " + o.cert_file + ": " + last_error("unusable")});
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        return fail(error{"TLS: key " + o.key_file + ": " + last_error("unusable")});
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return fail(
            error{"TLS: key " + o.key_file + " does not belong to certificate " + o.cert_file});
    }
    if (!o.ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, o.ca_file.c_str(), nullptr) != 1) {
            return fail(error{"TLS: CA " + o.ca_file + ": " + last_error("unusable")});
        }
        SSL_CTX_set_verify(
            ctx, SSL_VERIFY_PEER | (o.require_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
            nullptr);
    }
    return self;
}

server_context::~server_context() {
    SSL_CTX_free(ctx_);
}

session::session(std::shared_ptr<server_context> ctx)
    : ctx_(std::move(ctx))
    , ssl_(SSL_new(ctx_->native()))
    , in_(BIO_new(BIO_s_mem()))
    , out_(BIO_new(BIO_s_mem())) {
    // An empty memory BIO means "no data yet", not end of file.
    BIO_set_mem_eof_return(in_, -1);
    BIO_set_mem_eof_return(out_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_accept_state(ssl_);
}

session::~session() {
    SSL_free(ssl_); // frees both BIOs
}

bool session::handshake_done() const noexcept {
    return SSL_is_init_finished(ssl_) == 1;
}

bool session::fail() {
    failed_ = true;
    if (error_.empty()) {
        error_ = last_error("TLS failed");
    }
    return false;
}

void session::drain(std::vector<std::uint8_t>& to_network) {
    std::array<std::uint8_t, 16384> buf{};
    for (;;) {
        const int n = BIO_read(out_, buf.data(), static_cast<int>(buf.size()));
        if (n <= 0) {
            return;
        }
        to_network.insert(to_network.end(), buf.begin(), buf.begin() + n);
    }
}

bool session::on_network(std::span<const std::uint8_t> bytes, std::vector<std::uint8_t>& plain,
                         std::vector<std::uint8_t>& to_network) {
    if (failed_) {
        return false;
    }
    if (!bytes.empty() && BIO_write(in_, bytes.data(), static_cast<int>(bytes.size())) !=
                              static_cast<int>(bytes.size())) {
        return fail();
    }
    ERR_clear_error();
    if (!handshake_done()) {
        const int rc = SSL_do_handshake(ssl_);
        if (rc != 1) {
            const int e = SSL_get_error(ssl_, rc);
            drain(to_network); // the handshake's next flight, or an alert
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                return true;
            }
            return fail();
        }
        if (!pending_.empty()) {
            auto waiting = std::move(pending_);
            pending_.clear();
            if (!write(waiting, to_network)) {
                return false;
            }
        }
    }
    std::array<std::uint8_t, 16384> buf{};
    for (;;) {
        const int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
        if (n > 0) {
            plain.insert(plain.end(), buf.begin(), buf.begin() + n);
            continue;
        }
        const int e = SSL_get_error(ssl_, n);
        drain(to_network);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            return true;
        }
        if (e == SSL_ERROR_ZERO_RETURN) {
            error_ = "closed by the peer";
            failed_ = true;
            return false;
        }
        return fail();
    }
}

bool session::write(std::span<const std::uint8_t> plain, std::vector<std::uint8_t>& to_network) {
    if (failed_) {
        return false;
    }
    if (!handshake_done()) {
        pending_.insert(pending_.end(), plain.begin(), plain.end());
        return true;
    }
    ERR_clear_error();
    std::size_t done = 0;
    while (done < plain.size()) {
        const int n = SSL_write(ssl_, plain.data() + done, static_cast<int>(plain.size() - done));
        if (n <= 0) {
            return fail();
        }
        done += static_cast<std::size_t>(n);
    }
    drain(to_network);
    return true;
}

void session::shutdown(std::vector<std::uint8_t>& to_network) {
    if (!failed_ && handshake_done()) {
        (void)SSL_shutdown(ssl_);
        drain(to_network);
    }
}

} // namespace snbridge::common::tls
