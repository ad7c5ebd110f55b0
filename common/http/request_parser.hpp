#pragma once

// The subset of HTTP/1.1 requests (RFC 9112) that the monitoring listener serves: a request
// line and header fields, no body. Bytes come in any split; the parser keeps at most
// `max_bytes` of them and says, as soon as it can tell, whether the request is complete or
// what is wrong with it. Pure: no I/O, no allocation beyond the request's own strings.
// Fuzzed by tests/fuzz/fuzz_http_request.cpp.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace snbridge::common::http {

struct request {
    std::string method; ///< as sent (case-sensitive, RFC 9110 §9.1)
    std::string path;   ///< the origin-form target up to '?', starting with '/'
    std::string query;  ///< after '?', without it (may be empty)
    std::string host;   ///< the Host field (empty for HTTP/1.0 without one)
    int minor_version = 1;
};

enum class parse_status : std::uint8_t {
    incomplete,  ///< more bytes needed
    complete,    ///< request() is filled
    bad_request, ///< 400: malformed line, field, target, or a body we do not take
    too_large,   ///< 431/400: more than max_bytes before the end of the header section
    bad_version, ///< 505: not HTTP/1.0 or HTTP/1.1
};

class request_parser {
public:
    static constexpr std::size_t default_max_bytes = 8192;
    static constexpr std::size_t max_fields = 64;
    static constexpr std::size_t max_target = 2048;

    explicit request_parser(std::size_t max_bytes = default_max_bytes) noexcept
        : max_bytes_(max_bytes) {}

    /// Takes the next bytes. Once complete or an error, the status stays and bytes are
    /// ignored. Bytes after the header section (a pipelined request) are ignored too.
    parse_status feed(std::span<const std::uint8_t> bytes);
    [[nodiscard]] parse_status status() const noexcept { return status_; }
    /// Valid when status() is complete.
    [[nodiscard]] const request& get() const noexcept { return request_; }
    /// A short reason for an error status ("no colon in a header field", ...), for the log.
    [[nodiscard]] std::string_view reason() const noexcept { return reason_; }

private:
    parse_status fail(parse_status s, std::string_view why) noexcept;
    /// One line without its end (CRLF or a bare LF). Returns false on an error.
    bool take_line(std::string_view line);
    bool take_request_line(std::string_view line);
    bool take_field(std::string_view line);

    std::size_t max_bytes_;
    std::string buffer_;
    std::size_t scanned_ = 0; ///< bytes of buffer_ already split into lines
    std::size_t fields_ = 0;
    bool have_request_line_ = false;
    parse_status status_ = parse_status::incomplete;
    std::string_view reason_;
    request request_;
};

} // namespace snbridge::common::http
