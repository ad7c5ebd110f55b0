// libFuzzer target for what reaches the DTLS layer (gateway/dtls_layer) before a handshake
// completes: datagrams from eight source addresses into dtls_layer::on_datagram, with time
// passing and on_tick run when next_deadline() is due. The input is a sequence of steps:
//
//   step = header:u8 length:u8 body
//   header bits 2-0: source address index (127.0.0.1:40000+i), bits 5-3: seconds to advance
//   before the datagram (0..7), bit 6: the body is appended to a real ClientHello (so the
//   record layer and DTLSv1_listen see a well-formed start), bit 7: run on_tick only.
//
// Properties checked after every step (a broken one aborts):
// - the core receives nothing (no datagram passes without a completed handshake, and no
//   handshake completes without the cookie secret);
// - no state before a valid cookie: sessions() and handshakes() stay 0;
// - everything sent goes to the source address of the step and is a DTLS record (content
//   type 20..23, version 0xfe..), at most 4 datagrams per step (no amplification);
// - after on_tick(now), next_deadline() is not in the past.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <span>
#include <vector>

#include "gateway/dtls_layer.hpp"

namespace gw = snbridge::gateway;
using snbridge::common::net_address;

namespace {

struct recorder final : gw::datagram_sink, gw::datagram_handler {
    std::vector<std::pair<net_address, std::size_t>> sent;
    std::size_t delivered = 0;
    std::vector<std::uint8_t> last;
    void send(const net_address& to, std::span<const std::uint8_t> bytes) override {
        sent.emplace_back(to, bytes.size());
        if (bytes.size() < 13 || bytes[0] < 20 || bytes[0] > 23 || bytes[1] != 0xfe) {
            std::abort(); // not a DTLS record
        }
    }
    void send_multicast(std::span<const std::uint8_t>, std::uint8_t) override {}
    void on_datagram(const net_address&, std::span<const std::uint8_t>, gw::time_point) override {
        ++delivered;
    }
    void on_tick(gw::time_point) override {}
    [[nodiscard]] std::optional<gw::time_point> next_deadline() const override {
        return std::nullopt;
    }
    void shutdown(gw::time_point) override {}
};

std::vector<std::uint8_t> real_client_hello() {
    SSL_CTX* ctx = SSL_CTX_new(DTLS_client_method());
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    SSL_connect(ssl);
    std::vector<std::uint8_t> hello(static_cast<std::size_t>(BIO_ctrl_pending(out)));
    BIO_read(out, hello.data(), static_cast<int>(hello.size()));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return hello;
}

struct world {
    gw::drop_counter drops;
    recorder wire;
    recorder plain;
    recorder core;
    std::unique_ptr<gw::dtls_layer> layer;
    std::vector<std::uint8_t> hello = real_client_hello();

    world() {
        gw::dtls_options o;
        o.psk.push_back({"dev1", {0x00, 0x11, 0x22, 0x33}});
        o.max_handshakes = 4;
        o.max_sessions = 4;
        auto made = gw::dtls_layer::create(o, drops);
        if (!made) {
            std::abort();
        }
        layer = std::move(*made);
        layer->attach(wire, plain, core);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static world w; // one layer across inputs: state that leaks between them is found too
    auto now = gw::clock::now();
    std::vector<std::uint8_t> datagram;
    std::size_t i = 0;
    while (i + 2 <= size) {
        const std::uint8_t header = data[i];
        const std::size_t length = std::min<std::size_t>(data[i + 1], size - i - 2);
        const std::span<const std::uint8_t> body(data + i + 2, length);
        i += 2 + length;
        now += std::chrono::seconds((header >> 3) & 7);
        const auto from =
            net_address::v4(127, 0, 0, 1, static_cast<std::uint16_t>(40000 + (header & 7)));
        w.wire.sent.clear();
        if ((header & 0x80) == 0) {
            datagram.assign(body.begin(), body.end());
            if ((header & 0x40) != 0) {
                datagram.insert(datagram.begin(), w.hello.begin(), w.hello.end());
            }
            w.layer->on_datagram(from, datagram, now);
        }
        if (const auto due = w.layer->next_deadline(); due && *due <= now) {
            w.layer->on_tick(now);
            if (const auto next = w.layer->next_deadline(); next && *next < now) {
                std::abort(); // the runtime would spin
            }
        }
        if (w.core.delivered != 0 || w.layer->sessions() != 0 || w.layer->handshakes() != 0) {
            std::abort(); // state or plaintext without a valid cookie
        }
        if (w.wire.sent.size() > 4) {
            std::abort(); // amplification
        }
        for (const auto& [to, bytes] : w.wire.sent) {
            if (!(to == from)) {
                std::abort();
            }
        }
    }
    return 0;
}
