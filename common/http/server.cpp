#include "common/http/server.hpp"

#include "common/log.hpp"
#include "common/uv/handle.hpp"

namespace snbridge::common::http {

namespace {

using clock = std::chrono::steady_clock;

response plain(int status, std::string body) {
    return {.status = status, .content_type = "text/plain; charset=utf-8", .body = std::move(body)};
}

} // namespace

std::string_view reason_phrase(int status) noexcept {
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

server::server(private_tag, uv::loop& loop, handler fn, server_limits limits,
               metrics::registry* metrics)
    : loop_(loop)
    , fn_(std::move(fn))
    , limits_(limits)
    , metrics_(metrics)
    , tick_(loop)
    , reap_(loop) {}

result<std::unique_ptr<server>> server::start(uv::loop& loop,
                                              const std::vector<net_address>& addresses, handler fn,
                                              server_limits limits, metrics::registry* metrics) {
    auto self = std::make_unique<server>(private_tag{}, loop, std::move(fn), limits, metrics);
    for (const auto& address : addresses) {
        auto listener = std::make_unique<uv::tcp_server>(loop);
        auto* raw = self.get();
        auto ok = listener->listen(
            address, [raw](std::unique_ptr<uv::tcp_stream> s) { raw->on_accept(std::move(s)); },
            [](int status) {
                log::warning("HTTP listener: accept failed: ", uv::error_text(status));
            });
        if (!ok) {
            return fail(error{"http.listen: " + ok.error().message});
        }
        auto bound = listener->local_address();
        if (!bound) {
            return fail(bound.error());
        }
        log::notice("Opening HTTP listen socket on ", bound->to_string(), ".");
        self->bound_.push_back(*bound);
        self->listeners_.push_back(std::move(listener));
    }
    return self;
}

server::~server() {
    stop();
}

void server::stop() noexcept {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    for (auto& l : listeners_) {
        l->close();
    }
    listeners_.clear();
    for (auto& [id, c] : connections_) {
        c.stream->close();
    }
    connections_.clear();
    tick_.close();
    reap_.close();
}

void server::count(int status) {
    if (metrics_ != nullptr) {
        const auto code = std::to_string(status);
        ++metrics_->counter_of("snbridge_http_requests_total",
                               "HTTP requests answered, by status code.", {{"code", code}});
    }
}

void server::on_accept(std::unique_ptr<uv::tcp_stream> s) {
    if (stopped_) {
        s->close();
        return;
    }
    if (connections_.size() >= limits_.max_connections) {
        // Bounded: the newest waits for nobody (a scraper retries at its next interval).
        if (metrics_ != nullptr) {
            ++metrics_->counter_of("snbridge_http_connections_refused_total",
                                   "HTTP connections closed at once: http.max_connections.");
        }
        s->close();
        return;
    }
    const auto id = next_id_++;
    auto& c = connections_[id];
    c.id = id;
    c.stream = std::move(s);
    c.stream->set_max_queued_bytes(limits_.max_response_bytes);
    c.parser = request_parser(limits_.max_request_bytes);
    c.deadline = clock::now() + limits_.request_timeout;
    const auto started = c.stream->start_read(
        [this, id](std::span<const std::uint8_t> bytes) { on_bytes(id, bytes); },
        [this, id](int) { reap_later(id); });
    if (started < 0) {
        c.stream->close();
        reap_later(id);
        return;
    }
    if (!tick_.active()) {
        tick_.start(
            std::chrono::milliseconds(500), [this] { on_tick(); }, std::chrono::milliseconds(500));
    }
}

void server::on_bytes(std::uint64_t id, std::span<const std::uint8_t> bytes) {
    const auto it = connections_.find(id);
    if (it == connections_.end() || it->second.answered) {
        return;
    }
    auto& c = it->second;
    switch (c.parser.feed(bytes)) {
    case parse_status::incomplete:
        return;
    case parse_status::complete:
        break;
    case parse_status::bad_request:
        log::info("HTTP: 400 for a malformed request: ", c.parser.reason(), ".");
        answer(c, plain(400, "Bad request: " + std::string(c.parser.reason()) + ".\n"), false);
        return;
    case parse_status::too_large:
        log::info("HTTP: 431 for a request too large: ", c.parser.reason(), ".");
        answer(c, plain(431, "Request too large.\n"), false);
        return;
    case parse_status::bad_version:
        answer(c, plain(505, "Only HTTP/1.0 and HTTP/1.1 are served.\n"), false);
        return;
    }
    const auto& req = c.parser.get();
    const bool head = req.method == "HEAD";
    if (req.method != "GET" && !head) {
        answer(c, plain(405, "Only GET and HEAD are served.\n"), false);
        return;
    }
    answer(c, fn_(req), head);
}

void server::answer(connection& c, const response& r, bool head) {
    c.answered = true;
    c.stream->stop_read();
    count(r.status);
    std::string out = "HTTP/1.1 " + std::to_string(r.status) + ' ';
    out += reason_phrase(r.status);
    out += "\r\nContent-Type: " + r.content_type;
    out += "\r\nContent-Length: " + std::to_string(r.body.size());
    out += "\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff";
    if (r.status == 405) {
        out += "\r\nAllow: GET, HEAD";
    }
    out += "\r\nConnection: close\r\n\r\n";
    if (!head) {
        out += r.body;
    }
    const auto* data = reinterpret_cast<const std::uint8_t*>(out.data());
    if (c.stream->write({data, out.size()}) < 0) {
        reap_later(c.id);
        return;
    }
    c.stream->shutdown_then_close();
}

void server::on_tick() {
    const auto now = clock::now();
    for (auto& [id, c] : connections_) {
        if (!c.answered && now >= c.deadline) {
            answer(c, plain(408, "Request timeout.\n"), false);
        }
    }
    if (connections_.empty()) {
        tick_.stop();
    }
}

void server::reap_later(std::uint64_t id) {
    dead_.push_back(id);
    // Freed outside the stream's callbacks, on a later loop iteration.
    reap_.start(std::chrono::milliseconds(0), [this] {
        for (const auto dead : dead_) {
            const auto it = connections_.find(dead);
            if (it != connections_.end()) {
                it->second.stream->close();
                connections_.erase(it);
            }
        }
        dead_.clear();
    });
}

} // namespace snbridge::common::http
