// Issue 6: 1,000 MQTT connections held at once by the real snbridge, each subscribing and
// receiving a message; snbridge's resident memory is read from /proc/<pid>/status and
// printed. The clients are plain sockets speaking MQTT 3.1.1 through common/mqtt (a thousand
// mosquitto_sub processes would measure the machine, not snbridge); the message comes from
// mosquitto_pub.

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqtt/framer.hpp"
#include "common/mqtt/packet.hpp"
#include "tests/support/ports.hpp"
#include "tests/support/process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
namespace mqtt = snbridge::common::mqtt;

namespace {

/// "VmRSS" or "VmHWM" of a process, in kB (0 if unreadable).
long status_kb(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            return std::stol(line.substr(field.size() + 1));
        }
    }
    return 0;
}

int connect_to(std::uint16_t port) {
    const int fd = test::connect_loopback(port, 10);
    REQUIRE(fd >= 0);
    return fd;
}

void send_packet(int fd, const mqtt::packet& p) {
    const auto w = mqtt::encode(p);
    REQUIRE(::send(fd, w.data(), w.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(w.size()));
}

/// Reads exactly one packet (blocking, 10 s receive timeout per read).
std::optional<mqtt::packet> read_packet(int fd, std::vector<std::uint8_t>& buf) {
    for (;;) {
        const auto f = mqtt::next_frame(buf, 0);
        if (f && f->complete) {
            auto p = mqtt::decode(std::span(buf).first(f->total_size));
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(f->total_size));
            if (!p) {
                return std::nullopt;
            }
            return *p;
        }
        std::uint8_t chunk[256];
        const auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) {
            return std::nullopt;
        }
        buf.insert(buf.end(), chunk, chunk + n);
    }
}

} // namespace

TEST_CASE("mqtt listener load: 1000 connections held, each subscribes and receives") {
    constexpr std::size_t clients = 1000;
    test::temp_dir dir;
    const auto tcp_port = test::free_tcp_port();
    const auto udp_port = test::free_udp_port(false);
    const auto config =
        dir.write("snbridge.yaml", "mqttsn:\n  listen: [\"127.0.0.1:" + std::to_string(udp_port) +
                                       "\"]\nbroker:\n  mqtt_listen: "
                                       "[\"127.0.0.1:" +
                                       std::to_string(tcp_port) + "\"]\n");
    test::process gateway(test::binary_path("gateway/snbridge"), {"-c", config.string()});
    REQUIRE(gateway.wait_for_output("Opening MQTT listen socket", 10s));
    const long rss_idle = status_kb(gateway.pid(), "VmRSS");

    std::vector<int> fds;
    std::vector<std::vector<std::uint8_t>> bufs(clients);
    fds.reserve(clients);
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < clients; ++i) {
        const int fd = connect_to(tcp_port);
        fds.push_back(fd);
        send_packet(fd, mqtt::connect{.clean_session = true,
                                      .keep_alive_s = 120,
                                      .client_id = "load-" + std::to_string(i)});
        send_packet(fd, mqtt::subscribe{
                            .packet_id = 1,
                            .subscriptions = {{"load/all", 1}, {"load/" + std::to_string(i), 1}}});
    }
    std::size_t subscribed = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        const auto ack = read_packet(fds[i], bufs[i]);
        const auto sub = read_packet(fds[i], bufs[i]);
        if (ack && sub && std::holds_alternative<mqtt::connack>(*ack) &&
            std::get<mqtt::connack>(*ack).rc == mqtt::connack_code::accepted &&
            *sub == mqtt::packet{mqtt::suback{.packet_id = 1, .return_codes = {1, 1}}}) {
            ++subscribed;
        }
    }
    const auto t1 = std::chrono::steady_clock::now();
    CHECK(subscribed == clients);

    test::process pub("/usr/bin/mosquitto_pub", {"-h", "127.0.0.1", "-p", std::to_string(tcp_port),
                                                 "-q", "1", "-t", "load/all", "-m", "broadcast"});
    REQUIRE(pub.wait_exit(10s) == 0);
    std::size_t received = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        const auto p = read_packet(fds[i], bufs[i]);
        if (p && std::holds_alternative<mqtt::publish>(*p)) {
            const auto& m = std::get<mqtt::publish>(*p);
            if (m.topic == "load/all" &&
                m.payload ==
                    std::vector<std::uint8_t>{'b', 'r', 'o', 'a', 'd', 'c', 'a', 's', 't'}) {
                ++received;
                send_packet(fds[i], mqtt::puback{m.packet_id});
            }
        }
    }
    const auto t2 = std::chrono::steady_clock::now();
    CHECK(received == clients);
    const long rss_held = status_kb(gateway.pid(), "VmRSS");
    const long hwm = status_kb(gateway.pid(), "VmHWM");
    const auto ms = [](auto d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    const auto report = "snbridge RSS: idle " + std::to_string(rss_idle) + " kB, with " +
                        std::to_string(clients) + " MQTT connections subscribed " +
                        std::to_string(rss_held) + " kB (peak " + std::to_string(hwm) +
                        " kB); connect+subscribe " + std::to_string(ms(t1 - t0)) +
                        " ms, fan-out to all " + std::to_string(ms(t2 - t1)) + " ms";
    MESSAGE(report);
    std::printf("%s\n", report.c_str());
    CHECK(gateway.running());

    for (const int fd : fds) {
        ::close(fd);
    }
    CHECK(gateway.stop(10s) == 0);
}
