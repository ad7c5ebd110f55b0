// The monitoring HTTP server over real loopback TCP, driven with run_until (no sleeps): good
// requests, a table of malformed ones answered with their status and closed, the connection
// bound, the request deadline, and a loop that ends empty.

#include <memory>
#include <string>

#include <doctest/doctest.h>

#include "common/http/server.hpp"
#include "tests/support/run_until.hpp"
#include "tests/support/tcp_client.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
namespace http = snbridge::common::http;

namespace {

using raw_client = test::raw_tcp_client;

struct fixture {
    common::uv::loop loop;
    common::metrics::registry metrics;
    std::unique_ptr<http::server> server;
    int handled = 0;

    explicit fixture(http::server_limits limits = {}) {
        auto s = http::server::start(
            loop, {common::net_address::v4(127, 0, 0, 1, 0)},
            [this](const http::request& r) {
                ++handled;
                if (r.path == "/hello") {
                    return http::response{
                        .status = 200, .content_type = "text/plain", .body = "hi " + r.query};
                }
                return http::response{.status = 404, .content_type = "text/plain", .body = "no"};
            },
            limits, &metrics);
        REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
        server = std::move(*s);
    }
    [[nodiscard]] std::uint16_t port() const { return server->addresses().at(0).port; }
    /// Sends `request` and returns everything read until the server closed.
    std::string exchange(const std::string& request) {
        raw_client c(port());
        REQUIRE(test::run_until(loop, [&] {
            c.send_text(request);
            return true;
        }));
        REQUIRE(test::run_until(loop, [&] { return c.poll(); }));
        return c.text();
    }
    void finish() {
        server->stop();
        server.reset();
        for (int i = 0; i < 10 && loop.run_nowait(); ++i) {
        }
        CHECK_FALSE(loop.alive());
    }
};

} // namespace

TEST_CASE("http server: GET answers with the handler's body and closes; HEAD has no body") {
    fixture f;
    const auto got = f.exchange("GET /hello?you HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(got.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(got.find("Content-Length: 6\r\n") != std::string::npos);
    CHECK(got.find("Connection: close\r\n") != std::string::npos);
    CHECK(got.substr(got.size() - 6) == "hi you");
    const auto head = f.exchange("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
    CHECK(f.exchange("GET /nope HTTP/1.0\r\n\r\n").rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    CHECK(f.metrics.value("snbridge_http_requests_total", {{"code", "200"}}) == 2.0);
    CHECK(f.metrics.value("snbridge_http_requests_total", {{"code", "404"}}) == 1.0);
    f.finish();
}

TEST_CASE("http server: malformed requests get their status and are closed; it keeps serving") {
    fixture f;
    const struct {
        std::string request;
        const char* status_line;
    } cases[] = {
        {"garbage\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 400 Bad Request\r\n"},
        {"POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
         "HTTP/1.1 405 Method Not Allowed\r\n"},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + std::string(10000, 'a') + "\r\n\r\n",
         "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
        {"GET / HTTP/3.0\r\nHost: x\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported\r\n"},
        {std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n", 13),
         "HTTP/1.1 400 Bad Request\r\n"},
    };
    for (const auto& c : cases) {
        INFO(c.request.substr(0, 40));
        CHECK(f.exchange(c.request).rfind(c.status_line, 0) == 0);
    }
    CHECK(f.handled == 0);
    CHECK(f.exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
    CHECK(test::run_until(f.loop, [&] { return f.server->connection_count() == 0; }));
    f.finish();
}

TEST_CASE("http server: connections are bounded, and a request that never ends gets 408") {
    fixture f({.max_connections = 2, .request_timeout = 600ms});
    raw_client slow1(f.port());
    raw_client slow2(f.port());
    REQUIRE(test::run_until(f.loop, [&] { return f.server->connection_count() == 2; }));
    slow1.send_text("GET / HTTP/1.1\r\n"); // never finished
    raw_client third(f.port());
    // Refused at once: closed without an answer.
    CHECK(test::run_until(f.loop, [&] { return third.poll(); }));
    CHECK(third.in.empty());
    CHECK(f.metrics.value("snbridge_http_connections_refused_total") == 1.0);
    CHECK(test::run_until(
        f.loop, [&] { return slow1.poll() && slow2.poll(); }, 3s));
    CHECK(slow1.text().rfind("HTTP/1.1 408 Request Timeout\r\n", 0) == 0);
    CHECK(test::run_until(f.loop, [&] { return f.server->connection_count() == 0; }));
    f.finish();
}
