#pragma once

// The MQTT-SN sessions on disk (docs/persistence.md): the gateway core marks each session it
// touched in a turn, and at the turn's commit this writes what changed, to the store:
// the session row (state, flags, timers, address, will, topic ids, QoS 2 MsgIds) when it
// differs from what was written last, and the delivery queue's QoS 1/2 messages as they come
// and go (the sleep buffer included). restore() builds the sessions again at start.
// Loop thread only.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/persist/store.hpp"
#include "gateway/session.hpp"
#include "gateway/session_table.hpp"

namespace snbridge::gateway {

/// The stored peer address of a session that came over DTLS: this tag and the identity.
inline constexpr std::string_view dtls_address_tag = "dtls:";

class session_store {
public:
    /// Registers its before-commit and resync hooks with `store`; both must outlive this.
    session_store(common::persist::store& store, session_table& sessions);

    /// `s` changed in this turn: written at the commit.
    void touch(session& s);
    /// This turn's answers wait for its commit (durable before acknowledged), even before a
    /// session is touched.
    void hold() noexcept { store_.mark_pending(); }
    /// `s` is about to be erased: its rows go at the commit.
    void erased(const session& s);

    /// The row of `s` (without its queue), as written.
    [[nodiscard]] static common::persist::gateway_session_row row_of(const session& s);
    /// A hash of row_of(s): the row is written again only when it changes.
    [[nodiscard]] static std::uint64_t digest_of(const session& s);

private:
    /// Writes the sessions touched in this turn (the before-commit hook).
    void flush();
    void write(session& s, bool everything);
    /// After a failed commit: every session again, into emptied tables.
    void write_all();

    common::persist::store& store_;
    session_table& sessions_;
    std::vector<common::session_id> due_;
    std::vector<std::string> erased_;
};

} // namespace snbridge::gateway
