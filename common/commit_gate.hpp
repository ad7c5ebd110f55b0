#pragma once

// Durable before acknowledged (docs/architecture.md "Custody"): what the transports ask before
// they send. While the state written in this loop turn is not committed yet, every answer
// waits (an acknowledgement must not leave before what it acknowledges is on disk), and it is
// released after the commit, in order. With persistence off there is no gate.

#include <functional>

namespace snbridge::common {

class commit_gate {
public:
    /// True while this turn's writes are not committed: sends must wait for after_commit().
    [[nodiscard]] virtual bool holding() const noexcept = 0;
    /// Calls `f` once after the pending commit: committed=true when it reached the disk, false
    /// when it failed (the held answers must then be dropped: nothing they acknowledge is
    /// durable, and the clients retransmit). Called at once with true when not holding.
    virtual void after_commit(std::function<void(bool committed)> f) = 0;

    commit_gate() = default;
    commit_gate(const commit_gate&) = delete;
    commit_gate& operator=(const commit_gate&) = delete;
    commit_gate(commit_gate&&) = delete;
    commit_gate& operator=(commit_gate&&) = delete;
    virtual ~commit_gate() = default;
};

} // namespace snbridge::common
