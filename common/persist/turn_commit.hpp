#pragma once

// Group commit (docs/persistence.md "Group commit and the ack gate"): ends the store's
// transaction once per loop iteration, after the iteration's callbacks wrote into it.
// - a check handle commits right after the I/O callbacks (datagrams, TCP reads, the mailbox),
//   so the answers they held leave in the same iteration;
// - a prepare handle commits what the timer, idle and close callbacks wrote, before the loop
//   blocks for I/O (nothing may stay pending while the loop sleeps).
// Both handles are unreferenced: they never keep the loop alive on their own. Loop thread only.

#include "common/persist/store.hpp"
#include "common/uv/check.hpp"
#include "common/uv/prepare.hpp"

namespace snbridge::common::persist {

class turn_commit {
public:
    /// Starts committing `s` once per iteration of `l`; both must outlive this object.
    turn_commit(uv::loop& l, store& s);
    turn_commit(const turn_commit&) = delete;
    turn_commit& operator=(const turn_commit&) = delete;
    turn_commit(turn_commit&&) = delete;
    turn_commit& operator=(turn_commit&&) = delete;
    ~turn_commit() = default;

private:
    store& store_;
    uv::check after_io_;
    uv::prepare before_wait_;
};

} // namespace snbridge::common::persist
