#pragma once

// Every session the gateway holds, found by its id, its ClientId (which identifies the
// client, MQTT-SN 1.2 §5.3.1) and the endpoint it was last heard from. An endpoint belongs to
// at most one session: when another session binds it, the previous owner becomes unreachable
// (spec-decisions rule 16), so nothing of one ClientId can reach another. Loop thread only.

#include <cstddef>
#include <string_view>
#include <unordered_map>

#include "gateway/session.hpp"
#include "gateway/session_observer.hpp"

namespace snbridge::gateway {

class session_store;

class session_table {
public:
    using map = std::unordered_map<common::session_id, session>;

    [[nodiscard]] session* find(common::session_id id) noexcept;
    [[nodiscard]] const session* find(common::session_id id) const noexcept;
    [[nodiscard]] session* find(std::string_view client_id) noexcept;
    [[nodiscard]] const session* find(std::string_view client_id) const noexcept;
    /// The session `ep` belongs to, or nullptr.
    [[nodiscard]] session* find(const endpoint& ep) noexcept;
    [[nodiscard]] const session* find(const endpoint& ep) const noexcept;

    /// A new session for `client_id` (not held yet), bound to `ep`.
    session& create(const endpoint& ep, std::string_view client_id);
    /// `ep` now belongs to `s`, which is reachable there; the session that held `ep` before
    /// (if another) becomes unreachable.
    void bind(session& s, const endpoint& ep);
    /// Forgets `s`; the reference dies.
    void erase(session& s);
    /// With persistence on, the store is told of every erase (also by evict_one_idle).
    void set_journal(session_store* journal) noexcept { journal_ = journal; }
    /// Told of every erase (optional; must outlive the table or be unset).
    void set_observer(session_observer* observer) noexcept { observer_ = observer; }
    /// Erases the Lost or Disconnected session heard from longest ago; false if none.
    bool evict_one_idle();

    [[nodiscard]] std::size_t size() const noexcept { return sessions_.size(); }
    [[nodiscard]] map::iterator begin() noexcept { return sessions_.begin(); }
    [[nodiscard]] map::iterator end() noexcept { return sessions_.end(); }
    [[nodiscard]] map::const_iterator begin() const noexcept { return sessions_.begin(); }
    [[nodiscard]] map::const_iterator end() const noexcept { return sessions_.end(); }

private:
    map sessions_;
    /// Keys view the sessions' own strings: unordered_map nodes never move.
    std::unordered_map<std::string_view, common::session_id> by_client_id_;
    std::unordered_map<endpoint, common::session_id, endpoint_hash> by_endpoint_;
    common::session_id next_id_ = 1;
    session_store* journal_ = nullptr;
    session_observer* observer_ = nullptr;
};

} // namespace snbridge::gateway
