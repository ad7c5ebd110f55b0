#pragma once

// The one queue type for messages the gateway holds (docs/architecture.md "Custody"): a FIFO
// with a bound, an overflow policy, and the counters of what it took and let go, in one place.
// Every queue of messages uses it: a device's delivery queue and sleep buffer
// (gateway/delivery_queue), the built-in broker's session queues, an MQTT connection's queue,
// and the aggregating mode's offline queues.
//
// - overflow::refuse: an online consumer's queue. A full one takes nothing more; the caller
//   pushes back on the publisher before it gets here (can_take), so a refusal is a counted
//   drop of something nobody can retry.
// - overflow::drop_oldest: an offline persistent session's queue. A full one lets its oldest
//   message go (counted), and the caller logs once per episode (overflow_episode_started()).
// The first `pinned()` messages (in flight, or handed back after a disconnect) are never the
// ones dropped and do not count against the bound. Loop thread only; no allocation beyond the
// deque's own.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>

namespace snbridge::common {

struct custody_counters {
    std::uint64_t queued = 0;         ///< messages taken into the queue
    std::uint64_t dropped_oldest = 0; ///< drop_oldest: let go to make room for a newer one
    std::uint64_t refused = 0;        ///< refuse: not taken, the queue was full
    std::size_t high_water = 0;       ///< the most messages held at once

    custody_counters& operator+=(const custody_counters& o) noexcept {
        queued += o.queued;
        dropped_oldest += o.dropped_oldest;
        refused += o.refused;
        high_water = high_water > o.high_water ? high_water : o.high_water;
        return *this;
    }
};

enum class custody_overflow : std::uint8_t { refuse, drop_oldest };

enum class custody_push : std::uint8_t {
    queued,
    queued_dropped_oldest, ///< drop_oldest: the oldest unpinned message made room
    refused,               ///< nothing taken (refuse, or a bound of 0)
};

template <class T>
class custody_queue {
public:
    using overflow = custody_overflow;
    using push_result = custody_push;
    using container = std::deque<T>;

    explicit custody_queue(std::size_t bound = 0, overflow policy = overflow::refuse) noexcept
        : bound_(bound)
        , policy_(policy) {}

    void set_bound(std::size_t bound, overflow policy) noexcept {
        bound_ = bound;
        policy_ = policy;
    }
    [[nodiscard]] std::size_t bound() const noexcept { return bound_; }
    [[nodiscard]] overflow policy() const noexcept { return policy_; }

    /// Appends `item`, applying the overflow policy when bound() unpinned messages are held.
    /// `dropped` (optional) receives the message let go by drop_oldest.
    push_result push(T&& item, T* dropped = nullptr) {
        push_result r = push_result::queued;
        if (unpinned() >= bound_) {
            if (policy_ == overflow::refuse || bound_ == 0 || unpinned() == 0) {
                ++stats_.refused;
                note_full();
                return push_result::refused;
            }
            const auto oldest = items_.begin() + static_cast<std::ptrdiff_t>(pinned_);
            if (dropped != nullptr) {
                *dropped = std::move(*oldest);
            }
            items_.erase(oldest);
            ++stats_.dropped_oldest;
            note_full();
            r = push_result::queued_dropped_oldest;
        }
        items_.push_back(std::move(item));
        taken();
        return r;
    }
    /// Counts a message the caller did not take although it could have (a policy of its own,
    /// e.g. a QoS 0 newcomer to a full queue of QoS 1/2 messages).
    void refuse() noexcept {
        ++stats_.refused;
        note_full();
    }
    /// Takes back custody of a message that was in flight (e.g. handed back on disconnect):
    /// it goes first and is pinned. Not bounded: it was already held.
    void push_front_pinned(T&& item) {
        items_.push_front(std::move(item));
        ++pinned_;
        taken();
    }
    /// Removes the first message.
    void pop_front() {
        items_.pop_front();
        if (pinned_ > 0) {
            --pinned_;
        }
        if (items_.empty()) {
            full_episode_ = false;
        }
    }
    /// Removes the message at `index` (0 = front).
    void erase_at(std::size_t index) {
        items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(index));
        if (index < pinned_) {
            --pinned_;
        }
        if (items_.empty()) {
            full_episode_ = false;
        }
    }
    /// Lets the message at `index` go to make room (a policy of the caller's: e.g. QoS 0
    /// first), counted as dropped_oldest.
    void drop_at(std::size_t index) {
        erase_at(index);
        ++stats_.dropped_oldest;
        note_full();
    }
    void clear() noexcept {
        items_.clear();
        pinned_ = 0;
        full_episode_ = false;
    }
    /// Moves every message out (custody passes to the caller), leaving the queue empty.
    [[nodiscard]] container take_all() noexcept {
        container out = std::move(items_);
        items_.clear();
        pinned_ = 0;
        full_episode_ = false;
        return out;
    }

    /// The leading messages that are never dropped and not counted against the bound.
    [[nodiscard]] std::size_t pinned() const noexcept { return pinned_; }
    void set_pinned(std::size_t n) noexcept { pinned_ = n < items_.size() ? n : items_.size(); }

    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    /// Unpinned messages at the bound: one more push overflows.
    [[nodiscard]] bool full() const noexcept { return unpinned() >= bound_; }
    [[nodiscard]] T& front() noexcept { return items_.front(); }
    [[nodiscard]] const T& front() const noexcept { return items_.front(); }
    [[nodiscard]] T& back() noexcept { return items_.back(); }
    [[nodiscard]] T& operator[](std::size_t i) noexcept { return items_[i]; }
    [[nodiscard]] const T& operator[](std::size_t i) const noexcept { return items_[i]; }
    [[nodiscard]] auto begin() noexcept { return items_.begin(); }
    [[nodiscard]] auto end() noexcept { return items_.end(); }
    [[nodiscard]] auto begin() const noexcept { return items_.begin(); }
    [[nodiscard]] auto end() const noexcept { return items_.end(); }

    [[nodiscard]] const custody_counters& stats() const noexcept { return stats_; }
    /// True once per overflow episode (from the first drop or refusal until the queue has
    /// emptied): the caller logs the episode once.
    [[nodiscard]] bool overflow_episode_started() noexcept {
        if (full_episode_ && !episode_logged_) {
            episode_logged_ = true;
            return true;
        }
        return false;
    }

private:
    [[nodiscard]] std::size_t unpinned() const noexcept { return items_.size() - pinned_; }
    void taken() noexcept {
        ++stats_.queued;
        if (items_.size() > stats_.high_water) {
            stats_.high_water = items_.size();
        }
    }
    void note_full() noexcept {
        if (!full_episode_) {
            full_episode_ = true;
            episode_logged_ = false;
        }
    }

    container items_;
    std::size_t bound_;
    overflow policy_;
    std::size_t pinned_ = 0;
    custody_counters stats_;
    bool full_episode_ = false;
    bool episode_logged_ = false;
};

} // namespace snbridge::common
