#include "common/http/request_parser.hpp"

#include <algorithm>

namespace snbridge::common::http {

namespace {

/// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char c) {
                   return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
               };
               return lower(x) == lower(y);
           });
}

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

parse_status request_parser::fail(parse_status s, std::string_view why) noexcept {
    status_ = s;
    reason_ = why;
    return s;
}

parse_status request_parser::feed(std::span<const std::uint8_t> bytes) {
    if (status_ != parse_status::incomplete) {
        return status_;
    }
    const auto room = max_bytes_ - buffer_.size();
    const auto taken = std::min(room, bytes.size());
    buffer_.append(reinterpret_cast<const char*>(bytes.data()), taken);
    for (;;) {
        const auto end = buffer_.find('\n', scanned_);
        if (end == std::string::npos) {
            break;
        }
        std::string_view line(buffer_.data() + scanned_, end - scanned_);
        scanned_ = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1); // CRLF; a bare LF is accepted too (RFC 9112 §2.2)
        }
        if (!take_line(line)) {
            return status_;
        }
        if (status_ == parse_status::complete) {
            return status_;
        }
    }
    if (taken < bytes.size() || buffer_.size() >= max_bytes_) {
        return fail(parse_status::too_large, "request header section too large");
    }
    return status_;
}

bool request_parser::take_line(std::string_view line) {
    if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
        fail(parse_status::bad_request, "CR or NUL inside a line");
        return false;
    }
    if (!have_request_line_) {
        if (line.empty()) {
            return true; // RFC 9112 §2.2: empty lines before the request line are ignored
        }
        return take_request_line(line);
    }
    if (line.empty()) {
        // RFC 9112 §3.2: an HTTP/1.1 request without Host is answered with 400.
        if (request_.minor_version == 1 && request_.host.empty()) {
            fail(parse_status::bad_request, "no Host field");
            return false;
        }
        status_ = parse_status::complete;
        return true;
    }
    return take_field(line);
}

bool request_parser::take_request_line(std::string_view line) {
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        fail(parse_status::bad_request, "request line is not METHOD TARGET VERSION");
        return false;
    }
    const auto method = line.substr(0, sp1);
    const auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!is_token(method) || method.size() > 16) {
        fail(parse_status::bad_request, "bad method");
        return false;
    }
    if (target.empty() || target.front() != '/' || target.size() > max_target ||
        !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7F; })) {
        fail(parse_status::bad_request, "bad request target");
        return false;
    }
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        fail(parse_status::bad_request, "bad HTTP version");
        return false;
    }
    if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
        fail(parse_status::bad_version, "HTTP version not supported");
        return false;
    }
    request_.method = std::string(method);
    const auto q = target.find('?');
    request_.path = std::string(target.substr(0, q));
    request_.query =
        q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
    request_.minor_version = version[7] - '0';
    have_request_line_ = true;
    return true;
}

bool request_parser::take_field(std::string_view line) {
    if (++fields_ > max_fields) {
        fail(parse_status::too_large, "too many header fields");
        return false;
    }
    if (line.front() == ' ' || line.front() == '\t') {
        fail(parse_status::bad_request, "obsolete line folding"); // RFC 9112 §5.2
        return false;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
        fail(parse_status::bad_request, "no colon in a header field");
        return false;
    }
    const auto name = line.substr(0, colon);
    if (!is_token(name)) {
        // Also whitespace before the colon (RFC 9112 §5.1).
        fail(parse_status::bad_request, "bad header field name");
        return false;
    }
    const auto value = trim_ows(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) {
                         const auto u = static_cast<unsigned char>(c);
                         return u == '\t' || u >= 0x20;
                     }) ||
        value.find('\x7F') != std::string_view::npos) {
        fail(parse_status::bad_request, "control character in a header field");
        return false;
    }
    if (iequals(name, "Host")) {
        if (!request_.host.empty()) {
            fail(parse_status::bad_request, "two Host fields");
            return false;
        }
        request_.host = std::string(value.empty() ? std::string_view("-") : value);
    } else if (iequals(name, "Transfer-Encoding") ||
               (iequals(name, "Content-Length") && value != "0")) {
        fail(parse_status::bad_request, "a request body is not accepted here");
        return false;
    }
    return true;
}

} // namespace snbridge::common::http
