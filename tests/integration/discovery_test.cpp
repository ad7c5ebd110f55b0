// Issue 4, gateway discovery (MQTT-SN 1.2 §6.1) with the real snbridge on loopback: the
// gateway listens on 127.0.0.1 with a multicast group configured (mqttsn.multicast), so its
// multicast leaves through the loopback interface only. A node joined to the group hears
// ADVERTISE at start-up (TTL = mqttsn.multicast_radius); a SEARCHGW sent to the group is
// answered with GWINFO to the group (TTL = the SEARCHGW's radius) and, by spec-decisions rule 9, by
// unicast to the searcher. IPv4 only: this host's loopback has no IPv6 multicast.

#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/udp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;

namespace {

using bytes = std::vector<std::uint8_t>;

/// The next datagram from `from` (skipping others, e.g. the SEARCHGW a group member also hears).
std::optional<test::received_datagram> next_from(test::udp_client& c,
                                                 const common::net_address& from) {
    for (int i = 0; i < 10; ++i) {
        auto d = c.receive(5s);
        if (!d || d->from == from) {
            return d;
        }
    }
    return std::nullopt;
}

} // namespace

TEST_CASE("discovery: ADVERTISE at start-up and GWINFO for SEARCHGW, multicast on loopback") {
    const auto port = test::free_udp_port(false);
    const auto group_port = test::free_udp_port(false);
    const auto group = common::net_address::v4(225, 1, 1, 1, group_port);
    test::temp_dir dir;
    const auto file = dir.write("discovery.yaml", "gateway:\n  id: 42\n"
                                                  "mqttsn:\n"
                                                  "  listen: [\"127.0.0.1:" +
                                                      std::to_string(port) +
                                                      "\"]\n"
                                                      "  multicast: [\"" +
                                                      group.to_string() +
                                                      "\"]\n"
                                                      "  multicast_radius: 3\n"
                                                      "  advertise_interval: 60s\n");
    // Join before the gateway starts, so the start-up ADVERTISE is heard.
    test::udp_client member(group, true);
    REQUIRE(member.join_multicast(group));
    REQUIRE(member.enable_receive_ttl());

    test::process gw(test::binary_path("gateway/snbridge"), {"-c", file.string(), "-v"});
    REQUIRE(gw.wait_for_output(" running", 10s));
    CHECK(gw.output().find("Joined multicast group " + group.to_string() + " on 127.0.0.1.") !=
          std::string::npos);
    const auto gateway = test::loopback_v4(port);

    // ADVERTISE: Length 5, MsgType 0x00, GwId 42, Duration 60 s.
    const auto advertise = next_from(member, gateway);
    REQUIRE(advertise.has_value());
    CHECK(advertise->bytes == bytes{0x05, 0x00, 42, 0x00, 60});
    CHECK(advertise->ttl == 3);

    // SEARCHGW: Length 3, MsgType 0x01, Radius 2; sent to the group through loopback.
    test::udp_client searcher;
    REQUIRE(searcher.send_multicast_on_loopback(2));
    REQUIRE(searcher.send_to(group, bytes{0x03, 0x01, 0x02}));

    // GWINFO from the gateway: Length 3, MsgType 0x02, GwId 42 (no GwAdd: sent by a gateway).
    const auto unicast = searcher.receive(5s);
    REQUIRE(unicast.has_value());
    CHECK(unicast->from == gateway);
    CHECK(unicast->bytes == bytes{0x03, 0x02, 42});
    const auto multicast = next_from(member, gateway);
    REQUIRE(multicast.has_value());
    CHECK(multicast->bytes == bytes{0x03, 0x02, 42});
    CHECK(multicast->ttl == 2); // the SEARCHGW's radius

    // A SEARCHGW sent straight to the gateway's address is answered too.
    test::udp_client direct;
    REQUIRE(direct.send_to(gateway, bytes{0x03, 0x01, 0x01}));
    const auto direct_answer = direct.receive(5s);
    REQUIRE(direct_answer.has_value());
    CHECK(direct_answer->bytes == bytes{0x03, 0x02, 42});

    // ADVERTISE and GWINFO from other gateways are ignored without harm.
    REQUIRE(direct.send_to(gateway, bytes{0x05, 0x00, 7, 0x00, 60}));
    REQUIRE(direct.send_to(gateway, bytes{0x03, 0x02, 7}));
    REQUIRE(searcher.send_to(group, bytes{0x05, 0x00, 7, 0x00, 60}));
    CHECK_FALSE(direct.receive(300ms).has_value());
    CHECK(gw.running());

    // -v shows what went to the multicast group, and a policy drop names the datagram's size.
    REQUIRE(direct.send_to(gateway, bytes{0x03, 0x05, 0x00})); // CONNACK: only a gateway sends it
    const auto from_direct = "127.0.0.1:" + std::to_string(direct.local().port);
    REQUIRE(gw.wait_for_output(
        "Dropped datagram from " + from_direct + " (3 bytes): unexpected_type", 5s));
    CHECK(gw.output().find("Sending ADVERTISE to multicast (g42, d60)") != std::string::npos);
    CHECK(gw.output().find("Sending GWINFO to multicast (g42)") != std::string::npos);

    // The gateway's own multicast, looped back to its group socket, never reaches the core.
    CHECK(gw.count("Received GWINFO from 127.0.0.1:" + std::to_string(port)) == 0);
    CHECK(gw.count("Received ADVERTISE from 127.0.0.1:" + std::to_string(port)) == 0);
    CHECK(gw.stop(10s) == 0);
}
