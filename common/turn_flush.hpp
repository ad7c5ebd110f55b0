#pragma once

// Write coalescing without persistence: a commit_gate that holds what a loop iteration sends
// and releases it once, after the iteration's I/O callbacks (a uv_check) or before the loop
// blocks (a uv_prepare). With it the MQTT listener writes each connection's packets of one
// iteration in one write instead of one per packet (docs/benchmarks.md "Custody": the same
// coalescing that made the durable path faster). With persistence on, the store is the gate
// and this is not used. Loop thread only.

#include <functional>
#include <vector>

#include "common/commit_gate.hpp"
#include "common/uv/check.hpp"
#include "common/uv/prepare.hpp"

namespace snbridge::common {

class turn_flush final : public commit_gate {
public:
    /// Releases once per iteration of `l`, which must outlive this object.
    explicit turn_flush(uv::loop& l);
    /// Releases what is still held.
    ~turn_flush() override;
    turn_flush(const turn_flush&) = delete;
    turn_flush& operator=(const turn_flush&) = delete;
    turn_flush(turn_flush&&) = delete;
    turn_flush& operator=(turn_flush&&) = delete;

    /// Always: everything sent waits for the end of the iteration.
    [[nodiscard]] bool holding() const noexcept override { return true; }
    void after_commit(std::function<void(bool committed)> f) override;

private:
    void release();

    std::vector<std::function<void(bool)>> waiting_;
    uv::check after_io_;
    uv::prepare before_wait_;
};

} // namespace snbridge::common
