#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include "common/http/request_parser.hpp"

using snbridge::common::http::parse_status;
using snbridge::common::http::request_parser;

namespace {

parse_status parse(std::string_view text, std::size_t max = request_parser::default_max_bytes) {
    request_parser p(max);
    return p.feed({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

} // namespace

TEST_CASE("http request parser: a GET with a query, split at every byte, gives one request") {
    const std::string text = "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9883\r\n"
                             "User-Agent: Prometheus/2.45\r\nAccept: */*\r\n\r\n";
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        request_parser p;
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
        auto first = p.feed({bytes, cut});
        if (cut < text.size()) {
            CHECK(first == parse_status::incomplete);
            first = p.feed({bytes + cut, text.size() - cut});
        }
        REQUIRE(first == parse_status::complete);
        CHECK(p.get().method == "GET");
        CHECK(p.get().path == "/metrics");
        CHECK(p.get().query == "x=1");
        CHECK(p.get().host == "127.0.0.1:9883");
        CHECK(p.get().minor_version == 1);
    }
}

TEST_CASE("http request parser: what it accepts") {
    const struct {
        const char* text;
        const char* why;
    } cases[] = {
        {"GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 needs no Host"},
        {"GET / HTTP/1.1\nHost: a\n\n", "bare LF line ends"},
        {"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", "an empty line before the request line"},
        {"HEAD /status.json HTTP/1.1\r\nhost:a\r\n\r\n", "no space after the colon"},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "an empty body"},
        {"POST / HTTP/1.1\r\nHost: a\r\n\r\n", "other methods parse (405 is the server's)"},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n", "obs-text in a value"},
    };
    for (const auto& c : cases) {
        INFO(c.why);
        CHECK(parse(c.text) == parse_status::complete);
    }
}

TEST_CASE("http request parser: every malformed or oversized request is refused, with a status") {
    const std::string long_target(request_parser::max_target + 1, 'a');
    std::string many_fields = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (std::size_t i = 0; i < request_parser::max_fields; ++i) {
        many_fields += "X-" + std::to_string(i) + ": 1\r\n";
    }
    many_fields += "\r\n";
    const struct {
        std::string text;
        parse_status expected;
        const char* why;
    } cases[] = {
        {"GET /\r\n\r\n", parse_status::bad_request, "HTTP/0.9 request line"},
        {"GET  / HTTP/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request, "two spaces"},
        {"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", parse_status::bad_request, "four parts"},
        {"G(T / HTTP/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request, "not a token"},
        {"GET metrics HTTP/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request, "not origin-form"},
        {"GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request, "absolute-form"},
        {"GET /" + long_target + " HTTP/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request,
         "target too long"},
        {"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request, "control in target"},
        {"GET / HTTP/1.1\r\n\r\n", parse_status::bad_request, "HTTP/1.1 without Host"},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", parse_status::bad_request, "two Hosts"},
        {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", parse_status::bad_request, "space before colon"},
        {"GET / HTTP/1.1\r\nHost a\r\n\r\n", parse_status::bad_request, "no colon"},
        {"GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", parse_status::bad_request,
         "obsolete line folding"},
        {"GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", parse_status::bad_request, "bare CR"},
        {std::string("GET / HTTP/1.1\r\nHost: a") + '\0' + "b\r\n\r\n", parse_status::bad_request,
         "NUL"},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n", parse_status::bad_request, "DEL"},
        {"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", parse_status::bad_request,
         "a body"},
        {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
         parse_status::bad_request, "chunked body"},
        {"GET / HTTP/2.0\r\nHost: a\r\n\r\n", parse_status::bad_version, "HTTP/2.0"},
        {"GET / HTTP/1.2\r\nHost: a\r\n\r\n", parse_status::bad_version, "HTTP/1.2"},
        {"GET / HTTPS/1.1\r\nHost: a\r\n\r\n", parse_status::bad_request, "not HTTP"},
        {"GET / HTTP/1.x\r\nHost: a\r\n\r\n", parse_status::bad_request, "not a digit"},
        {many_fields, parse_status::too_large, "too many fields"},
        {"GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(9000, 'v') + "\r\n\r\n",
         parse_status::too_large, "over max_bytes"},
    };
    for (const auto& c : cases) {
        INFO(c.why);
        request_parser p;
        CHECK(p.feed({reinterpret_cast<const std::uint8_t*>(c.text.data()), c.text.size()}) ==
              c.expected);
        CHECK_FALSE(p.reason().empty());
        // Once refused, it stays refused.
        CHECK(p.feed({reinterpret_cast<const std::uint8_t*>("\r\n\r\n"), 4}) == c.expected);
    }
}

TEST_CASE("http request parser: a header section that never ends stops at max_bytes") {
    request_parser p(64);
    const std::string chunk = "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ";
    CHECK(p.feed({reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size()}) ==
          parse_status::incomplete);
    const std::string more(40, 'z');
    CHECK(p.feed({reinterpret_cast<const std::uint8_t*>(more.data()), more.size()}) ==
          parse_status::too_large);
}
