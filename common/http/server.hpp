#pragma once

// A small HTTP/1.1 server on the loop, for the monitoring listener (`http.listen`,
// docs/monitoring.md): GET and HEAD only, one request per connection (answered with
// `Connection: close`), a bounded number of connections, a deadline for the whole request,
// and a clear status for anything it does not take (400, 405, 408, 431, 505). The handler
// runs on the loop thread and must not block. Loop thread only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/http/request_parser.hpp"
#include "common/metrics/registry.hpp"
#include "common/net_address.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/tcp_server.hpp"
#include "common/uv/tcp_stream.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::common::http {

struct response {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

struct server_limits {
    std::size_t max_connections = 16;
    std::chrono::milliseconds request_timeout{5000}; ///< from accept to the end of the header
    std::size_t max_request_bytes = request_parser::default_max_bytes;
    std::size_t max_response_bytes = std::size_t{4} << 20; ///< queued for a slow reader
};

class server {
public:
    using handler = std::function<response(const request&)>;

    /// Listens on every address; fails naming the address that cannot be bound. `metrics`
    /// (optional) gets snbridge_http_requests_total{code} and the refused connections.
    [[nodiscard]] static result<std::unique_ptr<server>>
    start(uv::loop& loop, const std::vector<net_address>& addresses, handler fn,
          server_limits limits = {}, metrics::registry* metrics = nullptr);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Closes the listening sockets and every connection. Idempotent.
    void stop() noexcept;
    /// The bound addresses (port 0 resolved), in the order given.
    [[nodiscard]] const std::vector<net_address>& addresses() const noexcept { return bound_; }
    [[nodiscard]] std::size_t connection_count() const noexcept { return connections_.size(); }

    struct private_tag {};
    server(private_tag, uv::loop& loop, handler fn, server_limits limits,
           metrics::registry* metrics);

private:
    struct connection {
        std::uint64_t id = 0;
        std::unique_ptr<uv::tcp_stream> stream;
        request_parser parser;
        std::chrono::steady_clock::time_point deadline;
        bool answered = false;
        bool ended = false;
    };
    void on_accept(std::unique_ptr<uv::tcp_stream> s);
    void on_bytes(std::uint64_t id, std::span<const std::uint8_t> bytes);
    void answer(connection& c, const response& r, bool head);
    void on_tick();
    void reap_later(std::uint64_t id);
    void count(int status);

    uv::loop& loop_;
    handler fn_;
    server_limits limits_;
    metrics::registry* metrics_;
    std::vector<std::unique_ptr<uv::tcp_server>> listeners_;
    std::vector<net_address> bound_;
    std::map<std::uint64_t, connection> connections_;
    std::vector<std::uint64_t> dead_;
    std::uint64_t next_id_ = 1;
    uv::timer tick_;
    uv::timer reap_;
    bool stopped_ = false;
};

/// "OK", "Not Found", ... for the status codes the server sends.
[[nodiscard]] std::string_view reason_phrase(int status) noexcept;

} // namespace snbridge::common::http
