#include "gateway/delivery_queue.hpp"

#include <utility>

namespace snbridge::gateway {

delivery_queue::push_result delivery_queue::push(outgoing_message&& m, std::size_t bound,
                                                 overflow policy) {
    // The front may be in flight: it is pinned, never dropped, unless it has not been sent.
    // It still counts: `bound` is every message held.
    const std::size_t pinned =
        !q_.empty() && q_.front().progress != outgoing_message::stage::fresh ? 1 : 0;
    q_.set_pinned(pinned);
    q_.set_bound(bound >= pinned ? bound - pinned : 0, policy == overflow::drop_oldest
                                                           ? common::custody_overflow::drop_oldest
                                                           : common::custody_overflow::refuse);
    push_result r = push_result::queued;
    if (q_.full() && bound > 0) {
        if (m.qos == 0) {
            q_.refuse();
            return push_result::dropped;
        }
        for (std::size_t i = q_.pinned(); i < q_.size(); ++i) {
            if (q_[i].qos == 0) {
                q_.drop_at(i); // QoS 0 goes first (it carries no seq: nothing to remember)
                r = push_result::queued_dropped_qos0;
                break;
            }
        }
    }
    outgoing_message dropped;
    switch (q_.push(std::move(m), &dropped)) {
    case common::custody_push::queued:
        return r;
    case common::custody_push::queued_dropped_oldest:
        if (dropped.seq != 0) {
            removed_.push_back(dropped.seq);
        }
        return push_result::queued_dropped_oldest;
    case common::custody_push::refused:
        break;
    }
    return push_result::dropped;
}

void delivery_queue::pop_front() {
    if (q_.empty()) {
        return;
    }
    if (q_.front().seq != 0) {
        removed_.push_back(q_.front().seq);
    }
    q_.pop_front();
}

void delivery_queue::clear() noexcept {
    for (const auto& m : q_) {
        if (m.seq != 0) {
            removed_.push_back(m.seq);
        }
    }
    q_.clear();
}

} // namespace snbridge::gateway
