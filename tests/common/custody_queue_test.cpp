// common::custody_queue: the one bounded queue of messages in custody (docs/architecture.md
// "Custody"): its two overflow policies, pinned messages, counters and overflow episodes.

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/custody_queue.hpp"

using snbridge::common::custody_overflow;
using snbridge::common::custody_push;
using snbridge::common::custody_queue;

namespace {

std::vector<int> contents(const custody_queue<int>& q) {
    return {q.begin(), q.end()};
}

} // namespace

TEST_CASE("custody_queue: refuse keeps what it holds and counts what it did not take") {
    custody_queue<int> q(2, custody_overflow::refuse);
    CHECK(q.push(1) == custody_push::queued);
    CHECK(q.push(2) == custody_push::queued);
    CHECK(q.full());
    CHECK(q.push(3) == custody_push::refused);
    CHECK(contents(q) == std::vector<int>{1, 2});
    CHECK(q.stats().queued == 2);
    CHECK(q.stats().refused == 1);
    CHECK(q.stats().dropped_oldest == 0);
    CHECK(q.stats().high_water == 2);
}

TEST_CASE("custody_queue: drop_oldest lets the oldest unpinned message go, pinned ones stay "
          "and do not count against the bound") {
    custody_queue<int> q(2, custody_overflow::drop_oldest);
    q.push(1);
    q.push(2);
    q.push_front_pinned(0); // handed back: first, kept, outside the bound
    CHECK(q.pinned() == 1);
    CHECK_FALSE(q.push(3) == custody_push::refused);
    int dropped = -1;
    CHECK(q.push(4, &dropped) == custody_push::queued_dropped_oldest);
    CHECK(dropped == 2);
    CHECK(contents(q) == std::vector<int>{0, 3, 4});
    CHECK(q.stats().dropped_oldest == 2);
    q.pop_front();
    CHECK(q.pinned() == 0);
    CHECK(contents(q) == std::vector<int>{3, 4});
}

TEST_CASE("custody_queue: a bound of 0 keeps nothing, and an overflow episode is reported once "
          "until the queue has emptied") {
    custody_queue<int> none(0, custody_overflow::drop_oldest);
    CHECK(none.push(1) == custody_push::refused);
    CHECK(none.empty());

    custody_queue<int> q(1, custody_overflow::drop_oldest);
    q.push(1);
    CHECK_FALSE(q.overflow_episode_started()); // no overflow yet
    q.push(2);
    CHECK(q.overflow_episode_started());
    q.push(3);
    CHECK_FALSE(q.overflow_episode_started()); // the same episode
    auto all = q.take_all();
    CHECK(all.size() == 1);
    CHECK(all.front() == 3);
    q.push(4);
    q.push(5);
    CHECK(q.overflow_episode_started()); // a new one
}
