// common/persist/store: round trips of every write, group commit and the ack gate, a full
// file (max_size) with its rollback, retry limit and resync, freeze, clean close, and every
// bad file open() refuses, with its exact message (docs/persistence.md copies them).

#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sqlite3.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <doctest/doctest.h>

#include "common/persist/store.hpp"
#include "tests/support/temp_dir.hpp"

using namespace snbridge;
using namespace snbridge::common::persist;
namespace fs = std::filesystem;

namespace {

/// PRAGMA application_id of a snbridge file ("SNBR"), as the store writes it.
constexpr int snbridge_application_id = 0x534e4252;

/// Sends stderr (where common/log writes) to a file while it lives; lines() reads what was
/// logged, without the "<unix time>: " prefix.
class log_capture {
public:
    log_capture() {
        std::fflush(stderr);
        saved_ = ::dup(2);
        const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~log_capture() { restore(); }
    log_capture(const log_capture&) = delete;
    log_capture& operator=(const log_capture&) = delete;

    [[nodiscard]] std::vector<std::string> lines() {
        std::fflush(stderr);
        std::ifstream in(file_);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) {
            const auto colon = line.find(": ");
            out.push_back(colon == std::string::npos ? line : line.substr(colon + 2));
        }
        return out;
    }

private:
    void restore() {
        if (saved_ >= 0) {
            std::fflush(stderr);
            ::dup2(saved_, 2);
            ::close(saved_);
            saved_ = -1;
        }
    }
    test::temp_dir dir_;
    std::string file_ = dir_.file("stderr.log").string();
    int saved_ = -1;
};

std::unique_ptr<store> open_ok(const options& o) {
    auto s = store::open(o);
    REQUIRE_MESSAGE(s.has_value(), s.error().message);
    return std::move(*s);
}

std::unique_ptr<store> open_ok(const fs::path& p) {
    return open_ok(options{.path = p.string()});
}

snapshot load_ok(store& s) {
    auto snap = s.load();
    REQUIRE_MESSAGE(snap.has_value(), snap.error().message);
    return std::move(*snap);
}

/// Runs SQL on a file with a plain SQLite connection (to make foreign or odd files).
void sql(const fs::path& p, const std::string& text) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, &err);
    const std::string why = err != nullptr ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, why);
}

std::int64_t pragma(const fs::path& p, const std::string& name) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &st, nullptr) == SQLITE_OK);
    const std::int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

std::string pragma_text(const fs::path& p, const std::string& name) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, ("PRAGMA " + name).c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW) {
        v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

std::vector<std::uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

gateway_session_row sample_session(std::string id) {
    return gateway_session_row{
        .client_id = std::move(id),
        .state = 3,
        .clean_session = false,
        .mqtt_open = true,
        .reachable = false,
        .keep_alive_s = 60,
        .sleep_s = 600,
        .peer_address = "[2001:db8::7]:40001",
        .node_id = std::string("\x01\x00\xfe", 3),
        .via_forwarder = true,
        .next_msg_id = 65535,
        .will =
            common::will_message{
                .topic = "home/garden/will", .payload = bytes("gone"), .qos = 1, .retain = true},
        .topics = {{.id = 1, .name = "a/b", .known_to_client = true, .rejected = false},
                   {.id = 7, .name = "c", .known_to_client = false, .rejected = true}},
        .qos2_received = {5, 9},
    };
}

gateway_queue_row gw_message(std::uint64_t seq, std::string topic) {
    return gateway_queue_row{.message = {.seq = seq,
                                         .topic = std::move(topic),
                                         .payload = bytes("payload-" + std::to_string(seq)),
                                         .qos = 2,
                                         .retain = seq % 2 == 0},
                             .msg_id = static_cast<std::uint16_t>(seq + 100),
                             .stage = 0,
                             .sent_before = false};
}

stored_message br_message(std::uint64_t seq) {
    return stored_message{
        .seq = seq, .topic = "t/" + std::to_string(seq), .payload = {}, .qos = 1, .retain = false};
}

void check_same(const gateway_session_row& a, const gateway_session_row& b) {
    CHECK(a.client_id == b.client_id);
    CHECK(a.state == b.state);
    CHECK(a.clean_session == b.clean_session);
    CHECK(a.mqtt_open == b.mqtt_open);
    CHECK(a.reachable == b.reachable);
    CHECK(a.keep_alive_s == b.keep_alive_s);
    CHECK(a.sleep_s == b.sleep_s);
    CHECK(a.peer_address == b.peer_address);
    CHECK(a.node_id == b.node_id);
    CHECK(a.via_forwarder == b.via_forwarder);
    CHECK(a.next_msg_id == b.next_msg_id);
    REQUIRE(a.will.has_value() == b.will.has_value());
    if (a.will) {
        CHECK(a.will->topic == b.will->topic);
        CHECK(a.will->payload == b.will->payload);
        CHECK(a.will->qos == b.will->qos);
        CHECK(a.will->retain == b.will->retain);
    }
    REQUIRE(a.topics.size() == b.topics.size());
    for (std::size_t i = 0; i < a.topics.size(); ++i) {
        CHECK(a.topics[i].id == b.topics[i].id);
        CHECK(a.topics[i].name == b.topics[i].name);
        CHECK(a.topics[i].known_to_client == b.topics[i].known_to_client);
        CHECK(a.topics[i].rejected == b.topics[i].rejected);
    }
    CHECK(a.qos2_received == b.qos2_received);
}

std::vector<std::uint64_t> seqs(const std::vector<gateway_queue_row>& q) {
    std::vector<std::uint64_t> out;
    for (const auto& m : q) {
        out.push_back(m.message.seq);
    }
    return out;
}

std::vector<std::uint64_t> seqs(const std::vector<stored_message>& q) {
    std::vector<std::uint64_t> out;
    for (const auto& m : q) {
        out.push_back(m.seq);
    }
    return out;
}

std::vector<std::string> retained_topics(const snapshot& s) {
    std::vector<std::string> out;
    for (const auto& r : s.retained) {
        out.push_back(r.topic);
    }
    return out;
}

} // namespace

TEST_CASE("persist::store: every write and erase round-trips through load(), across a reopen") {
    const test::temp_dir dir;
    const auto path = dir.file("snbridge.db");
    {
        auto s = open_ok(path);
        const auto empty = load_ok(*s);
        CHECK(empty.gateway_sessions.empty());
        CHECK(empty.broker_sessions.empty());
        CHECK(empty.retained.empty());

        // An MQTT-SN session with will, topics, QoS 2 ids and a queue (appended out of order).
        s->put_gateway_session(sample_session("sensor-7"));
        auto plain = sample_session("sensor-8");
        plain.will.reset();
        plain.topics.clear();
        plain.qos2_received.clear();
        plain.node_id.clear();
        s->put_gateway_session(plain);
        s->append_gateway_message("sensor-7", gw_message(3, "x"));
        s->append_gateway_message("sensor-7", gw_message(1, "y"));
        s->append_gateway_message("sensor-7", gw_message(2, "z"));
        s->append_gateway_message("sensor-8", gw_message(1, "w"));
        s->update_gateway_message("sensor-7", 2, 4242, 2, true);
        s->erase_gateway_message("sensor-7", 1);

        // Broker sessions: subscriptions upserted, queue, erase of one message.
        s->put_broker_session("mqtt-1", false);
        s->put_broker_session("mqtt-1", true); // upsert
        s->put_broker_session("mqtt-2", false);
        s->put_subscription("mqtt-1", "a/#", 1);
        s->put_subscription("mqtt-1", "a/#", 2); // upsert
        s->put_subscription("mqtt-1", "b/+", 0);
        s->put_subscription("mqtt-1", "gone", 0);
        s->erase_subscription("mqtt-1", "gone");
        s->append_broker_message("mqtt-1", br_message(10));
        s->append_broker_message("mqtt-1", br_message(11));
        s->append_broker_message("mqtt-1", br_message(12));
        s->erase_broker_message("mqtt-1", 11);
        s->put_subscription("mqtt-2", "z", 1);
        s->append_broker_message("mqtt-2", br_message(1));

        // Retained: replaced by topic, erased.
        s->put_retained({.topic = "r/1", .payload = bytes("one"), .qos = 0});
        s->put_retained({.topic = "r/1", .payload = bytes("uno"), .qos = 1});
        s->put_retained({.topic = "r/2", .payload = bytes("two"), .qos = 2});
        s->put_retained({.topic = "r/3", .payload = {}, .qos = 0});
        s->erase_retained("r/3");
        CHECK(s->holding());
        CHECK(s->commit());
        CHECK_FALSE(s->holding());
    }
    auto s = open_ok(path);
    auto snap = load_ok(*s);
    REQUIRE(snap.gateway_sessions.size() == 2);
    const auto& g7 = snap.gateway_sessions[0];
    check_same(g7.row, sample_session("sensor-7"));
    REQUIRE(seqs(g7.queue) == std::vector<std::uint64_t>{2, 3});
    CHECK(g7.queue[0].message.topic == "z");
    CHECK(g7.queue[0].message.payload == bytes("payload-2"));
    CHECK(g7.queue[0].message.qos == 2);
    CHECK(g7.queue[0].message.retain);
    CHECK(g7.queue[0].msg_id == 4242);
    CHECK(g7.queue[0].stage == 2);
    CHECK(g7.queue[0].sent_before);
    CHECK(g7.queue[1].msg_id == 103);
    CHECK(g7.queue[1].stage == 0);
    CHECK_FALSE(g7.queue[1].sent_before);
    CHECK_FALSE(g7.queue[1].message.retain);
    const auto& g8 = snap.gateway_sessions[1];
    CHECK(g8.row.client_id == "sensor-8");
    CHECK_FALSE(g8.row.will.has_value());
    CHECK(g8.row.node_id.empty());
    CHECK(seqs(g8.queue) == std::vector<std::uint64_t>{1});

    REQUIRE(snap.broker_sessions.size() == 2);
    const auto& b1 = snap.broker_sessions[0];
    CHECK(b1.client_id == "mqtt-1");
    CHECK(b1.clean_session);
    REQUIRE(b1.subscriptions.size() == 2);
    CHECK(b1.subscriptions[0].filter == "a/#");
    CHECK(b1.subscriptions[0].qos == 2);
    CHECK(b1.subscriptions[1].filter == "b/+");
    CHECK(seqs(b1.queue) == std::vector<std::uint64_t>{10, 12});
    CHECK(b1.queue[1].topic == "t/12");
    CHECK(b1.queue[1].payload.empty());
    CHECK(b1.queue[1].qos == 1);
    CHECK_FALSE(snap.broker_sessions[1].clean_session);

    REQUIRE(retained_topics(snap) == std::vector<std::string>{"r/1", "r/2"});
    CHECK(snap.retained[0].payload == bytes("uno"));
    CHECK(snap.retained[0].qos == 1);
    CHECK(snap.retained[1].qos == 2);

    SUBCASE("put_gateway_session replaces the row, its topics and its QoS 2 ids") {
        auto changed = sample_session("sensor-7");
        changed.state = 1;
        changed.will.reset();
        changed.topics = {{.id = 2, .name = "only", .known_to_client = true, .rejected = false}};
        changed.qos2_received = {};
        s->put_gateway_session(changed);
        CHECK(s->commit());
        const auto after = load_ok(*s);
        check_same(after.gateway_sessions[0].row, changed);
        CHECK(seqs(after.gateway_sessions[0].queue) == std::vector<std::uint64_t>{2, 3});
    }
    SUBCASE("erase_gateway_session and erase_broker_session remove the dependent rows") {
        s->erase_gateway_session("sensor-7");
        s->erase_broker_session("mqtt-1");
        CHECK(s->commit());
        const auto after = load_ok(*s);
        REQUIRE(after.gateway_sessions.size() == 1);
        CHECK(after.gateway_sessions[0].row.client_id == "sensor-8");
        REQUIRE(after.broker_sessions.size() == 1);
        CHECK(after.broker_sessions[0].client_id == "mqtt-2");
        // Re-creating the sessions finds nothing left of the old ones.
        gateway_session_row fresh;
        fresh.client_id = "sensor-7";
        s->put_gateway_session(fresh);
        s->put_broker_session("mqtt-1", false);
        CHECK(s->commit());
        const auto again = load_ok(*s);
        const auto& g = again.gateway_sessions[0];
        CHECK(g.row.client_id == "sensor-7");
        CHECK(g.row.topics.empty());
        CHECK(g.row.qos2_received.empty());
        CHECK(g.queue.empty());
        CHECK(again.broker_sessions[0].subscriptions.empty());
        CHECK(again.broker_sessions[0].queue.empty());
    }
    SUBCASE("erase_gateway_queue and erase_broker_queue empty one queue") {
        s->erase_gateway_queue("sensor-7");
        s->erase_broker_queue("mqtt-1");
        CHECK(s->commit());
        const auto after = load_ok(*s);
        CHECK(after.gateway_sessions[0].queue.empty());
        CHECK(after.gateway_sessions[1].queue.size() == 1);
        CHECK(after.broker_sessions[0].queue.empty());
        CHECK(after.broker_sessions[0].subscriptions.size() == 2);
        CHECK(after.broker_sessions[1].queue.size() == 1);
    }
}

TEST_CASE("persist::store: group commit - pending, holding, hooks and after_commit in order") {
    const test::temp_dir dir;
    auto s = open_ok(dir.file("snbridge.db"));
    std::vector<std::string> events;

    // Not holding: the answer goes at once.
    CHECK_FALSE(s->holding());
    s->after_commit([&](bool ok) { events.push_back(ok ? "at once" : "at once failed"); });
    CHECK(events == std::vector<std::string>{"at once"});
    events.clear();

    // Nothing pending: commit() does nothing.
    CHECK(s->commit());
    CHECK(s->commits() == 0);

    s->on_before_commit([&] {
        events.push_back("before");
        s->put_retained({.topic = "from/hook", .payload = bytes("h"), .qos = 0});
    });
    s->put_retained({.topic = "r", .payload = bytes("v"), .qos = 1});
    CHECK(s->holding());
    s->after_commit([&](bool ok) { events.push_back(ok ? "first" : "first failed"); });
    s->after_commit([&](bool ok) { events.push_back(ok ? "second" : "second failed"); });
    CHECK(events.empty());
    CHECK(s->commit());
    CHECK(events == std::vector<std::string>{"before", "first", "second"});
    CHECK_FALSE(s->holding());
    CHECK(s->commits() == 1);
    CHECK(s->failed_commits() == 0);
    CHECK(retained_topics(load_ok(*s)) == std::vector<std::string>{"from/hook", "r"});

    // mark_pending: nothing written yet, but the hooks write it at the commit.
    events.clear();
    s->mark_pending();
    CHECK(s->holding());
    s->after_commit([&](bool ok) { events.push_back(ok ? "third" : "third failed"); });
    CHECK(s->commit());
    CHECK(events == std::vector<std::string>{"before", "third"});
    CHECK(s->commits() == 2);
}

TEST_CASE("persist::store: a full file (max_size) - rollback, one log line, once a second, "
          "resync, writing again") {
    const test::temp_dir dir;
    const auto path = dir.file("snbridge.db").string();
    auto now = store::clock::time_point{} + std::chrono::hours(1);
    log_capture log;
    auto s = open_ok(options{.path = path, .max_size_bytes = 64 * 1024});
    s->set_clock_for_test([&] { return now; });

    // What "the gateway" holds in memory; the resync hook writes all of it.
    std::map<std::string, std::vector<std::uint8_t>> memory;
    int resyncs = 0;
    s->on_resync([&] {
        ++resyncs;
        for (const auto& [topic, payload] : memory) {
            s->put_retained({.topic = topic, .payload = payload, .qos = 1});
        }
    });
    const auto put = [&](const std::string& topic, std::size_t size) {
        memory[topic] = std::vector<std::uint8_t>(size, 0x5a);
        s->put_retained({.topic = topic, .payload = memory[topic], .qos = 1});
    };
    put("kept", 100);
    REQUIRE(s->commit());

    // One turn writes more than fits: the write fails, the commit rolls the turn back.
    for (int i = 0; i < 40; ++i) {
        put("big/" + std::to_string(i), 4000);
    }
    std::vector<bool> answers;
    s->after_commit([&](bool ok) { answers.push_back(ok); });
    CHECK_FALSE(s->commit());
    CHECK(answers == std::vector<bool>{false});
    CHECK(s->failing());
    CHECK(s->failed_commits() == 1);
    CHECK_FALSE(s->holding());
    CHECK(retained_topics(load_ok(*s)) == std::vector<std::string>{"kept"});
    CHECK(log.lines().at(0) ==
          std::string{"Persistence: " + path +
                      ": the file reached max_size (65536 bytes); acknowledgements "
                      "stop until it can write again"});

    // Within a second of the failure: refused at once, no resync tried, nothing logged.
    now += std::chrono::milliseconds(500);
    put("small", 10);
    s->after_commit([&](bool ok) { answers.push_back(ok); });
    CHECK_FALSE(s->commit());
    CHECK(answers == std::vector<bool>{false, false});
    CHECK(resyncs == 0);
    CHECK(s->failed_commits() == 2);

    // 1.1 s after the failure (the refused turn did not restart the wait): the resync writes
    // everything, which still does not fit - same episode, no line.
    now += std::chrono::milliseconds(600);
    put("small", 10);
    CHECK_FALSE(s->commit());
    CHECK(resyncs == 1);
    CHECK(s->failing());
    CHECK(s->failed_commits() == 3);
    CHECK(log.lines().size() == 1);

    // The gateway drops what does not fit (or the limit is raised): the resync succeeds, the
    // file holds exactly the memory, and one line says so.
    for (int i = 0; i < 40; i += 2) {
        memory.erase("big/" + std::to_string(i));
    }
    s->set_max_size_for_test(1024 * 1024);
    now += std::chrono::seconds(2);
    put("after", 10);
    s->after_commit([&](bool ok) { answers.push_back(ok); });
    CHECK(s->commit());
    CHECK(resyncs == 2);
    CHECK(answers == std::vector<bool>{false, false, true});
    CHECK_FALSE(s->failing());
    const auto snap = load_ok(*s);
    std::vector<std::string> expected;
    for (const auto& entry : memory) {
        expected.push_back(entry.first);
    }
    CHECK(retained_topics(snap) == expected);
    const auto lines = log.lines();
    REQUIRE(lines.size() == 2);
    CHECK(lines[1] == "Persistence: " + path + ": writing again");

    // Back to normal: no resync on the next turn.
    put("normal", 10);
    CHECK(s->commit());
    CHECK(resyncs == 2);
}

TEST_CASE("persist::store: freeze - later writes are ignored, earlier ones still committed") {
    const test::temp_dir dir;
    const auto path = dir.file("snbridge.db");
    {
        auto s = open_ok(path);
        s->put_retained({.topic = "before", .payload = bytes("b"), .qos = 0});
        s->freeze();
        s->put_retained({.topic = "after", .payload = bytes("a"), .qos = 0});
        s->erase_retained("before");
        // The store goes without an explicit commit: the destructor commits what is pending.
    }
    {
        auto s = open_ok(path);
        CHECK(retained_topics(load_ok(*s)) == std::vector<std::string>{"before"});
        s->freeze();
        s->erase_retained("before");
        CHECK_FALSE(s->holding());
        CHECK(s->commit());
    }
    auto s = open_ok(path);
    CHECK(retained_topics(load_ok(*s)) == std::vector<std::string>{"before"});
}

TEST_CASE("persist::store: WAL without -shm while open, and a clean close leaves no -wal") {
    const test::temp_dir dir;
    const auto path = dir.file("snbridge.db");
    {
        auto s = open_ok(path);
        s->put_retained({.topic = "t", .payload = bytes("v"), .qos = 0});
        REQUIRE(s->commit());
        CHECK(fs::exists(path.string() + "-wal"));
        CHECK_FALSE(fs::exists(path.string() + "-shm"));
        s->put_retained({.topic = "u", .payload = bytes("pending at close"), .qos = 0});
    }
    CHECK_FALSE(fs::exists(path.string() + "-wal"));
    CHECK_FALSE(fs::exists(path.string() + "-shm"));
    CHECK(pragma_text(path, "journal_mode") == "wal");
    CHECK(pragma(path, "application_id") == snbridge_application_id);
    CHECK(pragma(path, "user_version") == schema_version);
    auto s = open_ok(path);
    CHECK(retained_topics(load_ok(*s)) == std::vector<std::string>{"t", "u"});
}

TEST_CASE("persist::store: sync modes open, and an empty or untouched SQLite file gets schema v1") {
    const test::temp_dir dir;
    for (const auto mode : {sync_mode::full, sync_mode::normal}) {
        const auto path = dir.file(mode == sync_mode::full ? "full.db" : "normal.db");
        auto s = open_ok(options{.path = path.string(), .sync = mode});
        s->put_broker_session("c", false);
        CHECK(s->commit());
    }
    // A zero-byte file, and an SQLite file with user_version 0 and no tables (ours missing).
    const auto zero = dir.write("zero.db", "");
    const auto bare = dir.file("bare.db");
    sql(bare, "CREATE TABLE tmp (x); DROP TABLE tmp;");
    REQUIRE(pragma(bare, "user_version") == 0);
    for (const auto& path : {zero, bare}) {
        CAPTURE(path);
        {
            auto s = open_ok(path);
            s->put_retained({.topic = "t", .payload = bytes("v"), .qos = 0});
            CHECK(s->commit());
        }
        CHECK(pragma(path, "user_version") == schema_version);
        CHECK(pragma(path, "application_id") == snbridge_application_id);
        auto s = open_ok(path);
        CHECK(load_ok(*s).retained.size() == 1);
    }
}

namespace {

/// store::open(o)'s error ("(opened)" when it opened), as an unprivileged user: permission
/// checks are what is tested, and root passes them all. As root the open runs in a forked
/// child that switched to nobody (65534); the files it meets must be reachable for it.
std::string open_error(const options& o) {
    auto s = store::open(o);
    return s ? std::string("(opened)") : s.error().message;
}

std::string open_error_unprivileged(const options& o) {
    const auto attempt = [&] {
        return open_error(o);
    };
    if (::geteuid() != 0) {
        return attempt();
    }
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(fds[0]);
        const std::string text = ::setgid(65534) == 0 && ::setuid(65534) == 0
                                     ? attempt()
                                     : std::string("(setuid to nobody failed)");
        const auto n = ::write(fds[1], text.data(), text.size());
        ::_exit(n == static_cast<ssize_t>(text.size()) ? 0 : 1);
    }
    ::close(fds[1]);
    std::string text;
    char buf[512];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    return text;
}

/// A store file with some content, closed cleanly (for truncating and corrupting).
void make_store_file(const fs::path& path) {
    auto s = open_ok(path);
    for (int i = 0; i < 200; ++i) {
        s->put_retained({.topic = "topic/" + std::to_string(i),
                         .payload = std::vector<std::uint8_t>(300, static_cast<std::uint8_t>(i)),
                         .qos = 1});
    }
    REQUIRE(s->commit());
}

std::streamoff retained_root_page(const fs::path& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_master WHERE name = 'retained'", -1,
                               &st, nullptr) == SQLITE_OK);
    const std::streamoff page = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    REQUIRE(page > 1);
    return page;
}

void overwrite(const fs::path& path, std::streamoff at, std::string_view with) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(at);
    f.write(with.data(), static_cast<std::streamsize>(with.size()));
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// One way a file can be unusable: how it is made, and the exact error.
struct bad_file_case {
    const char* name;
    /// Makes the condition for `path` in `dir` (which is world-readable); may return an object
    /// that must stay alive during the open (a lock holder).
    std::function<std::shared_ptr<void>(const fs::path& dir, const fs::path& path)> make;
    /// The message with PATH and DIR standing for the file and its directory.
    std::string message;
    /// What move_aside does: rename it and start fresh (bad content) or fail the same way.
    bool bad_content;
    /// Permission cases: the open runs as an unprivileged user (see open_error_unprivileged).
    bool as_nobody = false;
    /// Where the file is, relative to the test directory.
    const char* file = "state/snbridge.db";
};

std::string expand(std::string text, const fs::path& path) {
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"PATH", path.string()},
          std::pair<std::string, std::string>{"DIR", path.parent_path().string()}}) {
        for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
            text.replace(at, key.size(), value);
            at += value.size();
        }
    }
    return text;
}

const std::vector<bad_file_case>& bad_file_table() {
    static const std::vector<bad_file_case> table = {
        {"missing directory",
         [](const fs::path& dir, const fs::path&) {
             fs::remove(dir / "state");
             return nullptr;
         },
         "PATH: directory DIR does not exist", false},
        {"directory not writable",
         [](const fs::path& dir, const fs::path&) {
             fs::permissions(dir / "state", fs::perms(0555));
             return nullptr;
         },
         "PATH: cannot create files in DIR (permission denied)", false, true},
        {"file unreadable",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             fs::permissions(path, fs::perms::none);
             return nullptr;
         },
         "PATH: cannot read the file (permission denied)", false, true},
        {"file read-only",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             fs::permissions(path, fs::perms(0444));
             return nullptr;
         },
         "PATH: the file is read-only", false, true},
        {"path is a directory",
         [](const fs::path&, const fs::path& path) {
             fs::create_directory(path);
             return nullptr;
         },
         "PATH: is a directory", false},
        {"locked by another snbridge",
         [](const fs::path&, const fs::path& path) -> std::shared_ptr<void> {
             return std::shared_ptr<store>(open_ok(path));
         },
         "PATH: locked by another process", false},
        {"locked by an SQLite connection in a transaction",
         [](const fs::path&, const fs::path& path) -> std::shared_ptr<void> {
             make_store_file(path);
             sqlite3* db = nullptr;
             REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
             REQUIRE(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);
             return std::shared_ptr<sqlite3>(db, [](sqlite3* d) { sqlite3_close(d); });
         },
         "PATH: locked by another process", false},
        {"not an SQLite database",
         [](const fs::path&, const fs::path& path) {
             std::ofstream(path) << std::string(5000, 'x');
             return nullptr;
         },
         "PATH: not an SQLite database", true},
        {"truncated mid-page",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             REQUIRE(fs::file_size(path) == 29 * 4096);
             fs::resize_file(path, 10 * 4096 + 1000);
             return nullptr;
         },
         "PATH: the file is truncated or corrupt (database disk image is malformed; 41960 "
         "bytes, the header says 118784)",
         true},
        {"truncated inside the header",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             fs::resize_file(path, 50);
             return nullptr;
         },
         "PATH: the file is truncated or corrupt (database disk image is malformed; 50 bytes, "
         "shorter than the 100-byte header)",
         true},
        {"corrupt page",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             // The first byte of the retained table's root page: its page type.
             REQUIRE(pragma(path, "page_size") == 4096);
             overwrite(path, (retained_root_page(path) - 1) * 4096, "\xff");
             return nullptr;
         },
         "PATH: the file is corrupt (Page 9: btreeInitPage() returns error code 11)", true},
        {"another application's SQLite file",
         [](const fs::path&, const fs::path& path) {
             sql(path, "PRAGMA application_id = 305419896; CREATE TABLE photos (id);");
             return nullptr;
         },
         "PATH: not a snbridge state file (application_id 0x12345678)", true},
        {"an SQLite file with tables that are not ours",
         [](const fs::path&, const fs::path& path) {
             sql(path, "CREATE TABLE photos (id); CREATE TABLE albums (id);");
             return nullptr;
         },
         "PATH: not a snbridge state file (application_id 0x00000000, tables albums, photos)",
         true},
        {"newer schema",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             sql(path, "PRAGMA user_version = 7;");
             return nullptr;
         },
         "PATH: schema version 7 is newer than this snbridge supports (1)", true},
        {"our file with a table missing",
         [](const fs::path&, const fs::path& path) {
             make_store_file(path);
             sql(path, "DROP TABLE broker_queue;");
             return nullptr;
         },
         "PATH: the file is corrupt (table broker_queue is missing)", true},
    };
    return table;
}

/// A fresh world-readable test directory with an empty state/ directory in it.
fs::path prepare_dir(const test::temp_dir& dir) {
    fs::permissions(dir.path(), fs::perms(0755));
    fs::create_directory(dir.path() / "state");
    fs::permissions(dir.path() / "state", fs::perms(0777));
    return dir.path();
}

} // namespace

TEST_CASE("persist::store: every bad file gives one error naming the file and the cause") {
    for (const auto& c : bad_file_table()) {
        CAPTURE(c.name);
        const test::temp_dir dir;
        const auto path = prepare_dir(dir) / c.file;
        const auto holder = c.make(dir.path(), path);
        const auto before = fs::exists(path) && fs::is_regular_file(path)
                                ? std::optional<std::string>(read_file(path))
                                : std::nullopt;
        const options o{.path = path.string()};
        const auto message = c.as_nobody ? open_error_unprivileged(o) : open_error(o);
        CHECK(message == expand(c.message, path));
        if (before) {
            // Refused files are left as they were, with no -wal beside them.
            CHECK(read_file(path) == *before);
            if (holder == nullptr) {
                CHECK_FALSE(fs::exists(path.string() + "-wal"));
            }
        }
    }
}

TEST_CASE("persist::store: move_aside renames a bad file and starts a fresh one - locks and "
          "permissions still fail") {
    for (const auto& c : bad_file_table()) {
        CAPTURE(c.name);
        const test::temp_dir dir;
        const auto path = prepare_dir(dir) / c.file;
        const auto holder = c.make(dir.path(), path);
        const options o{.path = path.string(), .on_bad_file = bad_file_policy::move_aside};
        if (!c.bad_content) {
            CHECK((c.as_nobody ? open_error_unprivileged(o) : open_error(o)) ==
                  expand(c.message, path));
            continue;
        }
        const auto before = read_file(path);
        log_capture log;
        auto s = open_ok(o);
        CHECK(load_ok(*s).retained.empty());
        // The one file next to it named FILE.bad-YYYYmmddTHHMMSS holds the old content.
        std::vector<fs::path> moved;
        for (const auto& e : fs::directory_iterator(path.parent_path())) {
            const auto name = e.path().filename().string();
            if (name.starts_with("snbridge.db.bad-") && !name.ends_with("-wal")) {
                moved.push_back(e.path());
            }
        }
        REQUIRE(moved.size() == 1);
        const auto stamp =
            moved[0].filename().string().substr(std::string("snbridge.db.bad-").size());
        CHECK(stamp.size() == 15);
        CHECK(stamp[8] == 'T');
        CHECK(read_file(moved[0]) == before);
        const auto cause = expand(c.message, path).substr(path.string().size() + 2);
        CHECK(log.lines() == std::vector<std::string>{"Persistence: " + path.string() + ": " +
                                                      cause + "; moved it to " + moved[0].string() +
                                                      " and started a fresh one"});
    }
}

TEST_CASE("persist::store: the -wal beside a bad file stays with it (fail) or moves with it "
          "(move_aside)") {
    const test::temp_dir dir;
    const auto path = dir.file("snbridge.db");
    std::ofstream(path) << std::string(5000, 'x');
    std::ofstream(path.string() + "-wal") << "old wal";
    CHECK(open_error(options{.path = path.string()}) == path.string() + ": not an SQLite database");
    CHECK(read_file(path.string() + "-wal") == "old wal");
    log_capture log;
    auto s = open_ok(options{.path = path.string(), .on_bad_file = bad_file_policy::move_aside});
    const auto lines = log.lines();
    REQUIRE(lines.size() == 1);
    const auto to =
        lines[0].substr(lines[0].find("moved it to ") + 12,
                        lines[0].find(" and started") - lines[0].find("moved it to ") - 12);
    CHECK(read_file(to + "-wal") == "old wal");
}
