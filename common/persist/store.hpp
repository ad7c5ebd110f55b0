#pragma once

// The gateway's state on disk (config `persistence:`, docs/persistence.md): one SQLite file in
// WAL mode, opened with an exclusive lock, with a versioned schema. What lives here is what the
// gateway has acknowledged or promised (docs/architecture.md "Custody"): MQTT-SN sessions with
// their registrations, QoS 2 state and delivery queues (the sleep buffer), the built-in
// broker's sessions with their subscriptions and queues, and retained messages.
//
// Writes go into one transaction per loop turn (group commit): the first write of a turn
// begins it, commit() ends it, and the commit_gate holds every answer until then. A commit
// that fails (disk full, max_size reached, I/O error) is rolled back and logged once; the held
// answers are dropped (backpressure: nothing they acknowledge is durable), and each later turn
// tries again to write the whole state (the resync hooks) until it succeeds, logged once.
// Loop thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/commit_gate.hpp"
#include "common/metrics/registry.hpp"
#include "common/mqtt_side.hpp"
#include "common/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace snbridge::common::persist {

/// PRAGMA synchronous: `full` survives a power cut (the default), `normal` only a crash of
/// the process (kill -9), for an SD card that must be spared.
enum class sync_mode : std::uint8_t { full, normal };

/// What open() does with a file it cannot use (truncated, corrupt, foreign, newer schema).
enum class bad_file_policy : std::uint8_t {
    fail,       ///< one error line naming the file and the cause (exit 1)
    move_aside, ///< rename it to FILE.bad-YYYYmmddTHHMMSS, log that, start a fresh one
};

struct options {
    std::string path;
    sync_mode sync = sync_mode::full;
    bad_file_policy on_bad_file = bad_file_policy::fail;
    /// Upper bound of the file in bytes (0: none). Reaching it is handled as a full disk.
    std::uint64_t max_size_bytes = 0;
};

/// The schema version this build writes (PRAGMA user_version); older files are migrated.
inline constexpr int schema_version = 1;

/// A message waiting for a consumer, with its place in that consumer's queue.
struct stored_message {
    std::uint64_t seq = 0; ///< increasing per queue; the queue's order
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 1;
    bool retain = false;
};

/// One normal topic id of an MQTT-SN session (gateway/topic_registry.hpp).
struct gateway_topic_row {
    std::uint16_t id = 0;
    std::string name;
    bool known_to_client = false;
    bool rejected = false;
};

/// One QoS 1/2 message of an MQTT-SN session's delivery queue, with its delivery progress
/// (gateway/delivery_queue.hpp outgoing_message).
struct gateway_queue_row {
    stored_message message;
    std::uint16_t msg_id = 0;
    std::uint8_t stage = 0; ///< outgoing_message::stage as a number
    bool sent_before = false;
};

/// An MQTT-SN session (gateway/session.hpp) without its queue.
struct gateway_session_row {
    std::string client_id;
    std::uint8_t state = 0; ///< gateway::session_state as a number
    bool clean_session = true;
    bool mqtt_open = false;
    bool reachable = true;
    std::uint16_t keep_alive_s = 0;
    std::uint16_t sleep_s = 0;
    std::string peer_address; ///< common::net_address text, "" when unknown
    std::string node_id;      ///< forwarder Wireless Node Id (bytes), §5.5
    bool via_forwarder = false;
    std::uint16_t next_msg_id = 1;
    std::optional<will_message> will;
    std::vector<gateway_topic_row> topics;
    std::vector<std::uint16_t> qos2_received;
};

/// What load() returns for one MQTT-SN session: the row and its queue, in seq order.
struct gateway_session_state {
    gateway_session_row row;
    std::vector<gateway_queue_row> queue;
};

struct subscription_row {
    std::string filter;
    std::uint8_t qos = 0;
};

/// A session of the built-in broker (bridge/local/broker_core.hpp).
struct broker_session_state {
    std::string client_id;
    bool clean_session = false;
    std::vector<subscription_row> subscriptions;
    std::vector<stored_message> queue; ///< in seq order
};

struct retained_row {
    std::string topic;
    std::vector<std::uint8_t> payload;
    std::uint8_t qos = 0;
};

/// Everything in the file, as open() found it.
struct snapshot {
    std::vector<gateway_session_state> gateway_sessions;
    std::vector<broker_session_state> broker_sessions;
    std::vector<retained_row> retained;
};

class store final : public commit_gate {
public:
    /// Opens (or creates) the file, checks it and migrates an older schema. Errors name the
    /// file and the cause, e.g. "/var/lib/snbridge/snbridge.db: locked by another process".
    /// With bad_file_policy::move_aside a bad file is renamed and a fresh one created instead
    /// (logged); locks, permissions and a missing directory are errors either way.
    [[nodiscard]] static result<std::unique_ptr<store>> open(const options& opts);
    /// Commits what is pending, checkpoints the WAL into the file and closes it: a clean stop
    /// leaves nothing to recover (no -wal file).
    ~store() override;
    store(const store&) = delete;
    store& operator=(const store&) = delete;
    store(store&&) = delete;
    store& operator=(store&&) = delete;

    /// The whole state, read once at start.
    [[nodiscard]] result<snapshot> load();

    // --- writes: each joins the turn's transaction (begun by the first) ---
    void put_gateway_session(const gateway_session_row& row); ///< replaces row, topics, qos2
    void erase_gateway_session(std::string_view client_id);   ///< and its queue
    void append_gateway_message(std::string_view client_id, const gateway_queue_row& m);
    void update_gateway_message(std::string_view client_id, std::uint64_t seq, std::uint16_t msg_id,
                                std::uint8_t stage, bool sent_before);
    void erase_gateway_message(std::string_view client_id, std::uint64_t seq);
    void erase_gateway_queue(std::string_view client_id);

    void put_broker_session(std::string_view client_id, bool clean_session);
    void erase_broker_session(std::string_view client_id); ///< and its subscriptions and queue
    void put_subscription(std::string_view client_id, std::string_view filter, std::uint8_t qos);
    void erase_subscription(std::string_view client_id, std::string_view filter);
    void append_broker_message(std::string_view client_id, const stored_message& m);
    void erase_broker_message(std::string_view client_id, std::uint64_t seq);
    void erase_broker_queue(std::string_view client_id);
    void put_retained(const retained_row& r);
    void erase_retained(std::string_view topic);

    /// Work that is not written yet is pending: holding() is true until the next commit, and
    /// the before-commit hooks run then (the gateway writes its changed sessions there).
    void mark_pending() noexcept { pending_ = true; }
    /// Runs at every commit, before COMMIT, in registration order.
    void on_before_commit(std::function<void()> hook);
    /// After a failed commit the next one rewrites everything: each hook writes its whole
    /// state with the put_/append_ calls into the emptied tables.
    void on_resync(std::function<void()> hook);

    /// Ends the turn's transaction if one is pending: before-commit hooks, COMMIT, then the
    /// after_commit callbacks. Returns false when the commit failed (logged once per episode).
    bool commit();

    /// From here on writes are ignored: shutdown tears sessions down in memory, and what is
    /// on disk must stay as it was for the next start.
    void freeze() noexcept { frozen_ = true; }

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    /// Commits that failed, and commits done (for logs and tests).
    [[nodiscard]] std::uint64_t failed_commits() const noexcept { return failed_commits_; }
    [[nodiscard]] std::uint64_t commits() const noexcept { return commits_; }
    /// Counts commits into `metrics` from here on (snbridge_persistence_commits_total by
    /// result, snbridge_persistence_commit_seconds: the time of the turn's writes and COMMIT).
    /// `metrics` must outlive the store.
    void attach_metrics(metrics::registry& metrics);
    /// True between a failed commit and the resync that recovered from it.
    [[nodiscard]] bool failing() const noexcept { return failing_; }

    // commit_gate
    [[nodiscard]] bool holding() const noexcept override { return pending_; }
    void after_commit(std::function<void(bool committed)> f) override;

    // --- for tests ---
    using clock = std::chrono::steady_clock;
    /// Replaces the clock of the once-per-second retry limit while failing.
    void set_clock_for_test(std::function<clock::time_point()> now) { now_ = std::move(now); }
    /// Changes max_size_bytes on the open file (PRAGMA max_page_count; 0: none), e.g. to let a
    /// full store recover.
    void set_max_size_for_test(std::uint64_t bytes) noexcept;

private:
    /// Only open() can make one (std::make_unique needs a public constructor).
    struct passkey {
        explicit passkey() = default;
    };

public:
    explicit store(passkey /*unused*/);

private:
    // Implementation details (prepared statements, the transaction) are the implementer's.
    struct statements;

    sqlite3* db_ = nullptr;
    std::unique_ptr<statements> stmts_;
    std::string path_;
    std::vector<std::function<void()>> before_commit_;
    std::vector<std::function<void()>> resync_;
    std::vector<std::function<void(bool)>> after_commit_;
    bool pending_ = false;
    bool in_transaction_ = false;
    bool frozen_ = false;
    bool failing_ = false;
    std::unique_ptr<metrics::registry> own_metrics_ = std::make_unique<metrics::registry>();
    metrics::counter failed_commits_;
    metrics::counter commits_;
    metrics::histogram commit_seconds_;

    /// A write of this turn failed: commit() rolls back and reports turn_cause_.
    bool turn_failed_ = false;
    std::string turn_cause_;
    std::uint64_t max_size_bytes_ = 0;
    std::function<clock::time_point()> now_ = [] {
        return clock::now();
    };
    clock::time_point last_failure_{};

    template <class... Args>
    void write(std::size_t statement, const Args&... args) noexcept;
    bool begin_write() noexcept;
    void limit_size(std::uint64_t bytes) noexcept;
    void note_error(int rc) noexcept;
    void rollback() noexcept;
    [[nodiscard]] std::string describe(int rc) const;
    bool finish_turn(bool committed);
};

} // namespace snbridge::common::persist
