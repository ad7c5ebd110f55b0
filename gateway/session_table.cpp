#include "gateway/session_table.hpp"

#include <string>

#include "common/log.hpp"
#include "gateway/session_store.hpp"

namespace snbridge::gateway {

session* session_table::find(common::session_id id) noexcept {
    const auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
}

const session* session_table::find(common::session_id id) const noexcept {
    const auto it = sessions_.find(id);
    return it == sessions_.end() ? nullptr : &it->second;
}

session* session_table::find(std::string_view client_id) noexcept {
    const auto it = by_client_id_.find(client_id);
    return it == by_client_id_.end() ? nullptr : find(it->second);
}

const session* session_table::find(std::string_view client_id) const noexcept {
    const auto it = by_client_id_.find(client_id);
    return it == by_client_id_.end() ? nullptr : find(it->second);
}

session* session_table::find(const endpoint& ep) noexcept {
    const auto it = by_endpoint_.find(ep);
    return it == by_endpoint_.end() ? nullptr : find(it->second);
}

const session* session_table::find(const endpoint& ep) const noexcept {
    const auto it = by_endpoint_.find(ep);
    return it == by_endpoint_.end() ? nullptr : find(it->second);
}

session& session_table::create(const endpoint& ep, std::string_view client_id) {
    const common::session_id id = next_id_++;
    session& s = sessions_[id];
    s.id = id;
    s.client_id = std::string(client_id);
    by_client_id_.emplace(std::string_view(s.client_id), id);
    s.reachable = false;
    bind(s, ep);
    return s;
}

void session_table::bind(session& s, const endpoint& ep) {
    if (s.reachable && s.peer == ep) {
        return;
    }
    if (s.reachable) {
        common::log::debug("Client ", s.client_id, " moved from ", s.peer.address.to_string(),
                           " to ", ep.address.to_string(), ".");
        if (const auto it = by_endpoint_.find(s.peer);
            it != by_endpoint_.end() && it->second == s.id) {
            by_endpoint_.erase(it);
        }
    }
    auto [it, added] = by_endpoint_.try_emplace(ep, s.id);
    if (!added && it->second != s.id) {
        // spec-decisions rule 16, §5.3.1: the address now belongs to `s`; the other client
        // keeps its session and is reached again only after its own CONNECT or PINGREQ.
        if (session* before = find(it->second)) {
            before->reachable = false;
            common::log::notice("Client ", before->client_id, " lost its address ",
                                ep.address.to_string(), " to ", s.client_id, ".");
        }
        it->second = s.id;
    }
    s.peer = ep;
    s.reachable = true;
    if (observer_ != nullptr) {
        observer_->session_changed(s); // a new address is a new status
    }
}

void session_table::erase(session& s) {
    if (journal_ != nullptr) {
        journal_->erased(s);
    }
    if (const auto it = by_endpoint_.find(s.peer); it != by_endpoint_.end() && it->second == s.id) {
        by_endpoint_.erase(it);
    }
    by_client_id_.erase(std::string_view(s.client_id));
    if (observer_ != nullptr) {
        observer_->session_ended(s.client_id);
    }
    sessions_.erase(s.id);
}

bool session_table::evict_one_idle() {
    session* victim = nullptr;
    for (auto& [id, s] : sessions_) {
        if ((s.state == session_state::lost || s.state == session_state::disconnected) &&
            (victim == nullptr || s.last_heard < victim->last_heard)) {
            victim = &s;
        }
    }
    if (victim == nullptr) {
        return false;
    }
    erase(*victim);
    return true;
}

} // namespace snbridge::gateway
