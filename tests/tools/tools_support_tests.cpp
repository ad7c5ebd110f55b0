// Unit tests of the pure parts of snb_tools_support: argument parsing, the -d packet text,
// payload stamps and latency percentiles.

#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tools/support/bench_metrics.hpp"
#include "tools/support/cli.hpp"

using namespace snbridge::tools;
namespace sn = snbridge::common::mqttsn;

TEST_CASE("cli::parse_int accepts exactly an integer in range") {
    CHECK(cli::parse_int("0", 0, 5) == 0);
    CHECK(cli::parse_int("-1", -1, 2) == -1);
    CHECK_FALSE(cli::parse_int("3", -1, 2));
    CHECK_FALSE(cli::parse_int("", 0, 5));
    CHECK_FALSE(cli::parse_int("1x", 0, 5));
    CHECK_FALSE(cli::parse_int(" 1", 0, 5));
}

TEST_CASE("cli::parse_common: shared flags and IPv6 selection and will and default client id") {
    std::vector<std::string> args = {"tool",  "-h",
                                     "[::1]", "-p",
                                     "2000",  "-q",
                                     "2",     "-t",
                                     "ab",    "-S",
                                     "-T",    "9",
                                     "-k",    "7",
                                     "-c",    "--will-topic",
                                     "w",     "--will-payload",
                                     "bye",   "--will-qos",
                                     "1",     "--will-retain",
                                     "--fe",  "--fe-node",
                                     "n9",    "--retry",
                                     "250",   "-x"};
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    cli::common_options o;
    int i = 1;
    std::string err;
    while (i < static_cast<int>(argv.size())) {
        const auto st = cli::parse_common(static_cast<int>(argv.size()), argv.data(), i, o, err);
        if (st == cli::parse_status::not_mine) {
            CHECK(std::string(argv[static_cast<std::size_t>(i)]) == "-x");
            break;
        }
        REQUIRE(st == cli::parse_status::handled);
    }
    REQUIRE(cli::finish_common(o, "snbtest", err));
    CHECK(o.endpoint.host == "::1");
    CHECK(o.endpoint.ip_family == endpoint_options::family::v6);
    CHECK(o.endpoint.port == 2000);
    CHECK(o.qos == 2);
    CHECK(o.short_topics);
    CHECK(o.predefined == std::vector<std::uint16_t>{9});
    CHECK(o.connect.keep_alive == 7);
    CHECK_FALSE(o.connect.clean_session);
    REQUIRE(o.connect.will);
    CHECK(o.connect.will->topic == "w");
    CHECK(o.connect.will->qos_level == sn::qos::one);
    CHECK(o.connect.will->retain);
    CHECK(o.endpoint.forwarder_encapsulation);
    CHECK(o.endpoint.wireless_node_id == std::vector<std::uint8_t>{'n', '9'});
    CHECK(o.endpoint.retry_interval.count() == 250);
    CHECK(o.connect.client_id.rfind("snbtest-", 0) == 0);
}

TEST_CASE("cli::exit_code_for maps client errors to the documented exit codes") {
    CHECK(cli::to_int(cli::exit_code_for({client_errc::refused, "", {}}, true)) == 3);
    CHECK(cli::to_int(cli::exit_code_for({client_errc::refused, "", {}}, false)) == 5);
    CHECK(cli::to_int(cli::exit_code_for({client_errc::timeout, "", {}}, true)) == 4);
    CHECK(cli::to_int(cli::exit_code_for({client_errc::network, "", {}}, false)) == 2);
    CHECK(cli::to_int(cli::exit_code_for({client_errc::disconnected, "", {}}, false)) == 6);
}

TEST_CASE("cli::describe prints packets in the -d style") {
    sn::publish p;
    p.flag.qos_level = sn::qos::minus_one;
    p.flag.topic_type = sn::topic_id_type::short_name;
    p.topic_id = static_cast<std::uint16_t>(('a' << 8) | 'b');
    p.data = {1, 2, 3};
    CHECK(cli::describe(p) == "PUBLISH (d0, q-1, r0, m0, short 'ab', (3 bytes))");
    CHECK(cli::describe(sn::pingreq{"s1"}) == "PINGREQ (s1)");
    CHECK(cli::describe(sn::disconnect{30}) == "DISCONNECT (duration 30)");
    CHECK(cli::describe(sn::connack{sn::return_code::not_supported}) == "CONNACK (3)");
}

TEST_CASE("bench payload stamps round-trip and short payloads carry none") {
    std::vector<std::uint8_t> buf(32, 0);
    bench::stamp_payload(buf, 42, 7);
    const auto s = bench::read_stamp(buf);
    REQUIRE(s);
    CHECK(s->sender == 42);
    CHECK(s->seq == 7);
    CHECK(s->sent_ns <= bench::now_ns());
    CHECK_FALSE(bench::read_stamp(std::vector<std::uint8_t>(15, 0)));
}

TEST_CASE("latency_log percentiles are nearest-rank") {
    bench::latency_log log;
    CHECK(log.percentile_ms(50) == 0.0);
    for (std::uint64_t i = 1; i <= 1000; ++i) {
        log.add(i * 1000000); // i ms
    }
    CHECK(log.percentile_ms(50) == doctest::Approx(500));
    CHECK(log.percentile_ms(99) == doctest::Approx(990));
    CHECK(log.percentile_ms(99.9) == doctest::Approx(999));
    CHECK(log.max_ms() == doctest::Approx(1000));
}
