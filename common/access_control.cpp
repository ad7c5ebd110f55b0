#include "common/access_control.hpp"

#include <algorithm>

#include "common/topic.hpp"

namespace snbridge::common {

namespace {

/// The next level of `s` from `pos` (pos moves past it and its '/'); npos when done.
std::string_view next_level(std::string_view s, std::size_t& pos) noexcept {
    const auto slash = s.find('/', pos);
    const auto level =
        s.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
    pos = slash == std::string_view::npos ? std::string_view::npos : slash + 1;
    return level;
}

/// An entry ending in '*' is a prefix.
bool id_matches(std::string_view entry, std::string_view client_id) noexcept {
    if (!entry.empty() && entry.back() == '*') {
        return client_id.starts_with(entry.substr(0, entry.size() - 1));
    }
    return client_id == entry;
}

bool has(access a, access wanted) noexcept {
    return (static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(wanted)) != 0;
}

} // namespace

bool filter_covers(std::string_view pattern, std::string_view filter) noexcept {
    std::size_t p = 0;
    std::size_t f = 0;
    while (p != std::string_view::npos) {
        const auto pl = next_level(pattern, p);
        if (pl == "#") {
            return true; // covers the rest, whatever it is
        }
        if (f == std::string_view::npos) {
            return false; // the filter is shorter: the pattern needs more levels
        }
        const auto fl = next_level(filter, f);
        if (fl == "#") {
            return false; // the filter matches more levels than a non-# pattern allows
        }
        if (pl == "+") {
            continue; // any one level, '+' included
        }
        if (fl == "+" || fl != pl) {
            return false;
        }
    }
    return f == std::string_view::npos;
}

access_control::access_control(std::vector<std::string> allowed_client_ids,
                               std::vector<acl_rule> rules, std::vector<identity_binding> bindings)
    : client_ids_(std::move(allowed_client_ids))
    , rules_(std::move(rules))
    , bindings_(std::move(bindings)) {}

bool access_control::identity_allows(std::string_view identity,
                                     std::string_view client_id) const noexcept {
    bool bound_elsewhere = false;
    for (const auto& b : bindings_) {
        if (b.client_id.empty()) {
            continue;
        }
        const bool matches = id_matches(b.client_id, client_id);
        if (b.identity == identity) {
            if (matches) {
                return true; // the identity's own ClientId
            }
            bound_elsewhere = true; // this identity is bound: to another ClientId
        } else if (matches) {
            bound_elsewhere = true; // the ClientId belongs to another identity
        }
    }
    return !bound_elsewhere;
}

bool access_control::client_allowed(std::string_view client_id) const noexcept {
    if (client_ids_.empty()) {
        return true;
    }
    return std::any_of(client_ids_.begin(), client_ids_.end(),
                       [&](const std::string& id) { return id_matches(id, client_id); });
}

std::string access_control::pattern_for(const acl_rule& r, std::string_view client_id,
                                        std::string_view user) {
    if ((!r.client_id.empty() && r.client_id != client_id) || (!r.user.empty() && r.user != user)) {
        return {};
    }
    std::string out;
    out.reserve(r.pattern.size());
    for (std::size_t i = 0; i < r.pattern.size(); ++i) {
        const char c = r.pattern[i];
        if (c == '%' && i + 1 < r.pattern.size() &&
            (r.pattern[i + 1] == 'c' || r.pattern[i + 1] == 'u')) {
            const auto value = r.pattern[i + 1] == 'c' ? client_id : user;
            // As Mosquitto: a ClientId or user that would add levels or wildcards, or none at
            // all, matches nothing.
            if (value.empty() || value.find_first_of("/+#") != std::string_view::npos) {
                return {};
            }
            out += value;
            ++i;
        } else {
            out += c;
        }
    }
    return out;
}

template <class Matches>
bool access_control::any_rule(access wanted, std::string_view client_id, std::string_view user,
                              Matches matches) const {
    if (rules_.empty()) {
        return true;
    }
    for (const auto& r : rules_) {
        if (!has(r.allowed, wanted)) {
            continue;
        }
        const auto p = pattern_for(r, client_id, user);
        if (!p.empty() && matches(p)) {
            return true;
        }
    }
    return false;
}

bool access_control::may_write(std::string_view client_id, std::string_view user,
                               std::string_view topic) const {
    return any_rule(access::write, client_id, user,
                    [topic](const std::string& p) { return topic::matches(p, topic); });
}

bool access_control::may_read(std::string_view client_id, std::string_view user,
                              std::string_view filter) const {
    return any_rule(access::read, client_id, user,
                    [filter](const std::string& p) { return filter_covers(p, filter); });
}

} // namespace snbridge::common
