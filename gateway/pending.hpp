#pragma once

// Finding a session's request the MQTT side answered, by its token and kind.

#include <algorithm>
#include <optional>
#include <variant>

#include "gateway/session.hpp"

namespace snbridge::gateway {

/// Removes and returns `s`'s pending request of kind `T` with `token`, or nullopt (answers
/// for requests the session gave up, e.g. after a new CONNECT, find nothing).
template <class T>
[[nodiscard]] std::optional<T> take_pending(session& s, std::uint32_t token) {
    const auto it = std::find_if(s.pending.begin(), s.pending.end(), [&](const auto& r) {
        const T* p = std::get_if<T>(&r);
        return p != nullptr && p->token == token;
    });
    if (it == s.pending.end()) {
        return std::nullopt;
    }
    T taken = std::get<T>(*it);
    s.pending.erase(it);
    return taken;
}

} // namespace snbridge::gateway
