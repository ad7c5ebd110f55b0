#include "gateway/delivery_queue.hpp"

#include <iterator>
#include <utility>

namespace snbridge::gateway {

delivery_queue::push_result delivery_queue::push(outgoing_message&& m, std::size_t bound,
                                                 overflow policy) {
    push_result r = push_result::queued;
    if (size() >= bound) {
        if (m.qos == 0 || bound == 0) {
            return push_result::dropped;
        }
        // The front may be in flight: never drop it, unless it has not been sent.
        const std::size_t first =
            items_[head_].progress == outgoing_message::stage::fresh ? head_ : head_ + 1;
        std::size_t victim = items_.size();
        for (std::size_t i = first; i < items_.size(); ++i) {
            if (items_[i].qos == 0) {
                victim = i;
                r = push_result::queued_dropped_qos0;
                break;
            }
        }
        if (victim == items_.size() && policy == overflow::drop_oldest && first < items_.size()) {
            victim = first;
            r = push_result::queued_dropped_oldest;
        }
        if (victim == items_.size()) {
            return push_result::dropped;
        }
        erase_at(victim);
    }
    items_.push_back(std::move(m));
    return r;
}

void delivery_queue::erase_at(std::size_t index) {
    if (index == head_) {
        pop_front();
        return;
    }
    if (items_[index].seq != 0) {
        removed_.push_back(items_[index].seq);
    }
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(index));
}

void delivery_queue::pop_front() {
    if (empty()) {
        return;
    }
    if (items_[head_].seq != 0) {
        removed_.push_back(items_[head_].seq);
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
    for (std::size_t i = head_; i < items_.size(); ++i) {
        if (items_[i].seq != 0) {
            removed_.push_back(items_[i].seq);
        }
    }
    items_.clear();
    head_ = 0;
}

} // namespace snbridge::gateway
