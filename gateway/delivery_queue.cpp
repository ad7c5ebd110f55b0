#include "gateway/delivery_queue.hpp"

#include <iterator>
#include <utility>

namespace snbridge::gateway {

delivery_queue::push_result delivery_queue::push(outgoing_message&& m, std::size_t bound) {
    push_result r = push_result::queued;
    if (size() >= bound) {
        if (m.qos == 0) {
            return push_result::dropped;
        }
        // The front may be in flight: never drop it.
        bool made_room = false;
        for (std::size_t i = head_ + 1; i < items_.size(); ++i) {
            if (items_[i].qos == 0) {
                items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
                made_room = true;
                break;
            }
        }
        if (!made_room) {
            return push_result::dropped;
        }
        r = push_result::queued_dropped_qos0;
    }
    items_.push_back(std::move(m));
    return r;
}

void delivery_queue::pop_front() {
    if (empty()) {
        return;
    }
    items_[head_] = outgoing_message{};
    ++head_;
    if (head_ == items_.size()) {
        items_.clear();
        head_ = 0;
    } else if (head_ >= 16 && head_ * 2 >= items_.size()) {
        items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

void delivery_queue::clear() noexcept {
    items_.clear();
    head_ = 0;
}

} // namespace snbridge::gateway
