// common/uv: UDP socket on loopback (127.0.0.1:0 and [::1]:0), parse_endpoint.

#include <doctest/doctest.h>

#include "common/uv/loop.hpp"
#include "common/uv/socket_address.hpp"
#include "common/uv/udp_socket.hpp"
#include "tests/support/ipv6.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/udp_client.hpp"

using namespace snbridge;
using namespace snbridge::common;
using namespace std::chrono_literals;

TEST_CASE("uv::udp_socket: receives from and answers a plain UDP client (v4 and v6)") {
    for (const auto fam : {net_address::family::v4, net_address::family::v6}) {
        CAPTURE(static_cast<int>(fam));
        if (fam == net_address::family::v6 && !test::ipv6_or_message("the [::1] socket")) {
            continue;
        }
        uv::loop l;
        uv::udp_socket sock(l);
        const auto any_port =
            fam == net_address::family::v4 ? test::loopback_v4(0) : test::loopback_v6(0);
        REQUIRE(sock.bind(any_port, {.receive_buffer_bytes = 1 << 20}).has_value());
        const auto local = sock.local_address();
        REQUIRE(local.has_value());
        CHECK(local->port != 0);
        CHECK(sock.receive_buffer_size() >= (1 << 20));

        std::vector<std::vector<std::uint8_t>> got;
        net_address from;
        REQUIRE(sock.start_receive([&](const net_address& f, std::span<const std::uint8_t> b) {
            from = f;
            got.emplace_back(b.begin(), b.end());
            const std::uint8_t echo[] = {0x02, 0x17}; // PINGRESP
            CHECK(sock.send(f, echo) == 0);
        }) == 0);

        test::udp_client client(fam);
        const std::uint8_t ping[] = {0x02, 0x16}; // PINGREQ
        REQUIRE(client.send_to(*local, ping));
        REQUIRE(client.send_to(*local, std::span<const std::uint8_t>{})); // empty datagram
        CHECK(test::run_until(l, [&] { return got.size() == 2; }));
        CHECK(got[0] == std::vector<std::uint8_t>{0x02, 0x16});
        CHECK(got[1].empty());
        CHECK(from == client.local());
        const auto answer = client.receive(2s);
        REQUIRE(answer.has_value());
        CHECK(answer->bytes == std::vector<std::uint8_t>{0x02, 0x17});
        CHECK(answer->from == *local);

        l.shutdown();
        CHECK_FALSE(l.alive());
        CHECK(sock.send(from, ping) < 0); // closed: refused, no crash
    }
}

TEST_CASE("uv::udp_socket: a second bind on the same port fails with a clear message") {
    uv::loop l;
    uv::udp_socket a(l);
    uv::udp_socket b(l);
    REQUIRE(a.bind(test::loopback_v4(0), {}).has_value());
    const auto port = a.local_address()->port;
    const auto r = b.bind(test::loopback_v4(port), {});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);
    CHECK(r.error().message.find("EADDRINUSE") != std::string::npos);
    l.shutdown();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::udp_socket: v6-only [::1] and 127.0.0.1 share one port") {
    if (!test::ipv6_or_message("a v6-only [::1] socket beside 127.0.0.1 on one port")) {
        return;
    }
    uv::loop l;
    uv::udp_socket v4(l);
    uv::udp_socket v6(l);
    REQUIRE(v4.bind(test::loopback_v4(0), {}).has_value());
    const auto port = v4.local_address()->port;
    CHECK(v6.bind(test::loopback_v6(port), {.v6_only = true}).has_value());
    l.shutdown();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::udp_socket: queued sends are bounded and freed on shutdown") {
    uv::loop l;
    uv::udp_socket sock(l, 4);
    REQUIRE(sock.bind(test::loopback_v4(0), {}).has_value());
    test::udp_client sink;
    std::vector<std::uint8_t> big(1000, 0xAB);
    int ok = 0;
    // try_send succeeds while the kernel buffer has room; what matters: no send ever fails
    // for any reason but the bound, and nothing leaks (ASan) when the loop shuts down.
    for (int i = 0; i < 200; ++i) {
        const int rc = sock.send(sink.local(), big);
        ok += rc == 0 ? 1 : 0;
    }
    CHECK(ok > 0);
    CHECK(sock.queued_sends() <= 4);
    l.shutdown();
    CHECK_FALSE(l.alive());
}

TEST_CASE("uv::parse_endpoint: table") {
    struct row {
        const char* text;
        bool ok;
        const char* canonical;
    };
    const row rows[] = {
        {"0.0.0.0:1883", true, "0.0.0.0:1883"},
        {"127.0.0.1:0", true, "127.0.0.1:0"},
        {"[::]:1883", true, "[::]:1883"},
        {"[::1]:65535", true, "[::1]:65535"},
        {"225.1.1.1:1883", true, "225.1.1.1:1883"},
        {"[ff02::1]:1883", true, "[ff02::1]:1883"},
        {"127.0.0.1", false, ""},
        {"127.0.0.1:", false, ""},
        {"127.0.0.1:65536", false, ""},
        {"127.0.0.1:-1", false, ""},
        {"localhost:1883", false, ""},
        {"::1:1883", false, ""},
        {"[::1:1883", false, ""},
        {"[::1]1883", false, ""},
        {"", false, ""},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        const auto a = uv::parse_endpoint(r.text);
        CHECK(a.has_value() == r.ok);
        if (a) {
            CHECK(a->to_string() == r.canonical);
        }
    }
    CHECK(uv::is_multicast(*uv::parse_endpoint("225.1.1.1:1")));
    CHECK(uv::is_multicast(*uv::parse_endpoint("[ff02::1]:1")));
    CHECK_FALSE(uv::is_multicast(*uv::parse_endpoint("127.0.0.1:1")));
    CHECK(uv::is_unspecified(*uv::parse_endpoint("[::]:1")));
    CHECK(uv::is_unspecified(*uv::parse_endpoint("0.0.0.0:1")));
    CHECK_FALSE(uv::is_unspecified(*uv::parse_endpoint("[::1]:1")));
}
