// Issue 4, forwarder encapsulation (MQTT-SN 1.2 §5.5) with the real snbridge: a forwarder
// wraps a wireless node's CONNECT, REGISTER, PUBLISH and DISCONNECT in Encapsulated messages;
// every answer comes back wrapped for the same WirelessNodeId, and the PUBLISH reaches an MQTT
// subscriber (mosquitto_sub) on the built-in broker's MQTT listener.

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

const bytes node_id = {0xAB, 0xCD, 0x01};

/// Length (3 + node id), 0xFE, Ctrl (radius 1), WirelessNodeId, then the inner message.
bytes wrap(const bytes& inner) {
    bytes out = {static_cast<std::uint8_t>(3 + node_id.size()), 0xFE, 0x01};
    out.insert(out.end(), node_id.begin(), node_id.end());
    out.insert(out.end(), inner.begin(), inner.end());
    return out;
}

/// The inner message of an Encapsulated answer for node_id, or nullopt if it is not one.
std::optional<bytes> unwrap(const bytes& d) {
    const std::size_t header = 3 + node_id.size();
    if (d.size() <= header || d[0] != header || d[1] != 0xFE ||
        !std::equal(node_id.begin(), node_id.end(), d.begin() + 3)) {
        return std::nullopt;
    }
    return bytes(d.begin() + static_cast<std::ptrdiff_t>(header), d.end());
}

bytes with_text(bytes head, const std::string& text) {
    head.insert(head.end(), text.begin(), text.end());
    head[0] = static_cast<std::uint8_t>(head.size());
    return head;
}

} // namespace

TEST_CASE("forwarder encapsulation: CONNECT/REGISTER/PUBLISH/DISCONNECT round trip through a "
          "forwarder, answers wrapped for the node") {
    const auto port = test::free_udp_port(false);
    const auto mqtt_port = test::free_tcp_port();
    test::temp_dir dir;
    const auto file = dir.write("forwarder.yaml", "mqttsn:\n"
                                                  "  listen: [\"127.0.0.1:" +
                                                      std::to_string(port) +
                                                      "\"]\n"
                                                      "  advertise_interval: 0s\n"
                                                      "broker:\n"
                                                      "  mqtt_listen: [\"127.0.0.1:" +
                                                      std::to_string(mqtt_port) + "\"]\n");
    test::process gw(test::binary_path("gateway/snbridge"), {"-c", file.string(), "-v"});
    REQUIRE(gw.wait_for_output(" running", 10s));

    // stdbuf: line-buffered, so "-d" progress shows in the captured output as it happens.
    test::process sub("/usr/bin/stdbuf", {"-oL", "/usr/bin/mosquitto_sub", "-h", "127.0.0.1", "-p",
                                          std::to_string(mqtt_port), "-t", "fwd/temp", "-q", "1",
                                          "-C", "1", "-W", "20", "-d"});
    REQUIRE(sub.wait_for_output("SUBACK", 10s));

    const auto gateway = test::loopback_v4(port);
    test::udp_client forwarder;
    const auto exchange = [&](const bytes& inner) -> bytes {
        REQUIRE(forwarder.send_to(gateway, wrap(inner)));
        const auto answer = forwarder.receive(5s);
        REQUIRE(answer.has_value());
        CHECK(answer->from == gateway);
        const auto unwrapped = unwrap(answer->bytes);
        REQUIRE(unwrapped.has_value());
        return *unwrapped;
    };

    // CONNECT: Flags 0x04 (CleanSession), ProtocolId 1, Duration 60, ClientId "fwd-node".
    CHECK(exchange(with_text({0, 0x04, 0x04, 0x01, 0x00, 0x3C}, "fwd-node")) ==
          bytes{0x03, 0x05, 0x00}); // CONNACK accepted
    // REGISTER: TopicId 0, MsgId 1, TopicName "fwd/temp" -> REGACK with a new TopicId.
    const auto regack = exchange(with_text({0, 0x0A, 0x00, 0x00, 0x00, 0x01}, "fwd/temp"));
    REQUIRE(regack.size() == 7);
    CHECK(regack[1] == 0x0B);
    CHECK(regack[4] == 0x00);
    CHECK(regack[5] == 0x01); // MsgId 1
    CHECK(regack[6] == 0x00); // accepted
    const std::uint8_t tid_hi = regack[2];
    const std::uint8_t tid_lo = regack[3];
    // PUBLISH: Flags 0x20 (QoS 1, normal topic id), TopicId, MsgId 2, Data "21.5" -> PUBACK.
    CHECK(exchange(with_text({0, 0x0C, 0x20, tid_hi, tid_lo, 0x00, 0x02}, "21.5")) ==
          bytes{0x07, 0x0D, tid_hi, tid_lo, 0x00, 0x02, 0x00});
    CHECK(sub.wait_exit(10s) == 0);
    CHECK(sub.output().find("\n21.5\n") != std::string::npos);
    // DISCONNECT -> DISCONNECT.
    CHECK(exchange({0x02, 0x18}) == bytes{0x02, 0x18});

    // The verbose log shows the node's own message, from the forwarder's address and the
    // node's Wireless Node Id (§5.5).
    CHECK(gw.output().find(
              "Received CONNECT from 127.0.0.1:" + std::to_string(forwarder.local().port) +
              " node abcd01 (c1, k60, 'fwd-node')") != std::string::npos);
    CHECK(gw.stop(10s) == 0);
}
