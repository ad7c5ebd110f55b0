// common/persist/turn_commit: one commit per loop iteration, after the I/O callbacks (check)
// and before the loop blocks (prepare), without keeping the loop alive.

#include <doctest/doctest.h>

#include "common/persist/turn_commit.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/mailbox.hpp"
#include "common/uv/timer.hpp"
#include "tests/support/temp_dir.hpp"

using namespace snbridge;
using namespace snbridge::common;
using namespace std::chrono_literals;

namespace {

std::unique_ptr<persist::store> open_store(const test::temp_dir& dir) {
    auto s = persist::store::open(persist::options{.path = dir.file("snbridge.db").string()});
    REQUIRE_MESSAGE(s.has_value(), s.error().message);
    return std::move(*s);
}

void write_one(persist::store& s, const std::string& topic, std::vector<std::string>& events) {
    s.put_retained({.topic = topic, .payload = {1}, .qos = 1});
    s.after_commit(
        [&events, topic](bool ok) { events.push_back(topic + (ok ? " ok" : " failed")); });
}

} // namespace

TEST_CASE("persist::turn_commit: a timer's writes are committed before the loop blocks, and "
          "the committer does not keep the loop alive") {
    const test::temp_dir dir;
    auto s = open_store(dir);
    uv::loop l;
    std::vector<std::string> events;
    {
        persist::turn_commit committer(l, *s);
        uv::timer t(l);
        t.start(1ms, [&] {
            write_one(*s, "a", events);
            write_one(*s, "b", events);
            CHECK(s->holding());
        });
        l.run(); // returns once the timer is done: check and prepare are unreferenced
        CHECK(events == std::vector<std::string>{"a ok", "b ok"});
        CHECK(s->commits() == 1);
        CHECK_FALSE(s->holding());
    }
    l.run_nowait();
    CHECK_FALSE(l.alive());
}

TEST_CASE("persist::turn_commit: an I/O callback's writes are committed in the same iteration") {
    const test::temp_dir dir;
    auto s = open_store(dir);
    uv::loop l;
    std::vector<std::string> events;
    {
        persist::turn_commit committer(l, *s);
        uv::mailbox box(l);
        REQUIRE(box.post([&] { write_one(*s, "from-io", events); }));
        l.run_once();
        CHECK(events == std::vector<std::string>{"from-io ok"});
        CHECK(s->commits() == 1);
        // Idle iterations commit nothing.
        l.run_nowait();
        CHECK(s->commits() == 1);
        box.close();
    }
    l.run_nowait();
    CHECK_FALSE(l.alive());
}
