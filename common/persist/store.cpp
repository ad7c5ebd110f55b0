#include "common/persist/store.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>
#include <sys/statvfs.h>
#include <system_error>
#include <type_traits>
#include <unistd.h>
#include <utility>

#include "common/log.hpp"

namespace snbridge::common::persist {

namespace {

namespace fs = std::filesystem;

/// PRAGMA application_id of a snbridge state file: "SNBR".
constexpr std::uint32_t application_id = 0x534e4252;

/// Schema v1 (docs/persistence.md "Schema v1"). Every table is WITHOUT ROWID, keyed by what
/// the gateway looks rows up by; there are no foreign keys (the erase_ calls remove the
/// dependent rows themselves).
constexpr const char* create_v1 = R"sql(
CREATE TABLE gateway_session (
    client_id     TEXT PRIMARY KEY NOT NULL,
    state         INTEGER NOT NULL,
    clean_session INTEGER NOT NULL,
    mqtt_open     INTEGER NOT NULL,
    reachable     INTEGER NOT NULL,
    keep_alive_s  INTEGER NOT NULL,
    sleep_s       INTEGER NOT NULL,
    peer_address  TEXT NOT NULL,
    node_id       BLOB NOT NULL,
    via_forwarder INTEGER NOT NULL,
    next_msg_id   INTEGER NOT NULL,
    will_topic    TEXT,
    will_payload  BLOB,
    will_qos      INTEGER,
    will_retain   INTEGER
) WITHOUT ROWID;
CREATE TABLE gateway_topic (
    client_id       TEXT NOT NULL,
    topic_id        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    known_to_client INTEGER NOT NULL,
    rejected        INTEGER NOT NULL,
    PRIMARY KEY (client_id, topic_id)
) WITHOUT ROWID;
CREATE TABLE gateway_qos2 (
    client_id TEXT NOT NULL,
    msg_id    INTEGER NOT NULL,
    PRIMARY KEY (client_id, msg_id)
) WITHOUT ROWID;
CREATE TABLE gateway_queue (
    client_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    topic       TEXT NOT NULL,
    payload     BLOB NOT NULL,
    qos         INTEGER NOT NULL,
    retain      INTEGER NOT NULL,
    msg_id      INTEGER NOT NULL,
    stage       INTEGER NOT NULL,
    sent_before INTEGER NOT NULL,
    PRIMARY KEY (client_id, seq)
) WITHOUT ROWID;
CREATE TABLE broker_session (
    client_id     TEXT PRIMARY KEY NOT NULL,
    clean_session INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE broker_subscription (
    client_id TEXT NOT NULL,
    filter    TEXT NOT NULL,
    qos       INTEGER NOT NULL,
    PRIMARY KEY (client_id, filter)
) WITHOUT ROWID;
CREATE TABLE broker_queue (
    client_id TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    topic     TEXT NOT NULL,
    payload   BLOB NOT NULL,
    qos       INTEGER NOT NULL,
    retain    INTEGER NOT NULL,
    PRIMARY KEY (client_id, seq)
) WITHOUT ROWID;
CREATE TABLE retained (
    topic   TEXT PRIMARY KEY NOT NULL,
    payload BLOB NOT NULL,
    qos     INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

/// The tables of the current schema (the resync empties them; open checks they are there).
constexpr std::array<const char*, 8> tables = {
    "gateway_session", "gateway_topic",       "gateway_qos2", "gateway_queue",
    "broker_session",  "broker_subscription", "broker_queue", "retained"};

/// One step of the schema: from version N (its index) to N+1. A v2 adds one function here.
using migration = int (*)(sqlite3* db);
int migrate_0_to_1(sqlite3* db) {
    return sqlite3_exec(db, create_v1, nullptr, nullptr, nullptr);
}
constexpr std::array<migration, schema_version> migrations = {migrate_0_to_1};
static_assert(migrations.size() == schema_version, "one migration step per schema version");

/// The prepared write statements, by index (the order of store::statements::sql).
enum stmt : std::size_t {
    s_begin,
    s_commit,
    s_rollback,
    s_gw_session_put,
    s_gw_session_delete,
    s_gw_topics_delete,
    s_gw_topic_insert,
    s_gw_qos2_delete,
    s_gw_qos2_insert,
    s_gw_queue_insert,
    s_gw_queue_update,
    s_gw_queue_delete_one,
    s_gw_queue_delete,
    s_br_session_put,
    s_br_session_delete,
    s_br_subs_delete,
    s_br_sub_put,
    s_br_sub_delete,
    s_br_queue_insert,
    s_br_queue_delete_one,
    s_br_queue_delete,
    s_retained_put,
    s_retained_delete,
    s_count,
};

constexpr std::array<const char*, s_count> write_sql = {
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "INSERT OR REPLACE INTO gateway_session VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    "DELETE FROM gateway_session WHERE client_id = ?",
    "DELETE FROM gateway_topic WHERE client_id = ?",
    "INSERT OR REPLACE INTO gateway_topic VALUES (?,?,?,?,?)",
    "DELETE FROM gateway_qos2 WHERE client_id = ?",
    "INSERT OR REPLACE INTO gateway_qos2 VALUES (?,?)",
    "INSERT OR REPLACE INTO gateway_queue VALUES (?,?,?,?,?,?,?,?,?)",
    "UPDATE gateway_queue SET msg_id = ?, stage = ?, sent_before = ? "
    "WHERE client_id = ? AND seq = ?",
    "DELETE FROM gateway_queue WHERE client_id = ? AND seq = ?",
    "DELETE FROM gateway_queue WHERE client_id = ?",
    "INSERT INTO broker_session VALUES (?,?) "
    "ON CONFLICT (client_id) DO UPDATE SET clean_session = excluded.clean_session",
    "DELETE FROM broker_session WHERE client_id = ?",
    "DELETE FROM broker_subscription WHERE client_id = ?",
    "INSERT INTO broker_subscription VALUES (?,?,?) "
    "ON CONFLICT (client_id, filter) DO UPDATE SET qos = excluded.qos",
    "DELETE FROM broker_subscription WHERE client_id = ? AND filter = ?",
    "INSERT OR REPLACE INTO broker_queue VALUES (?,?,?,?,?,?)",
    "DELETE FROM broker_queue WHERE client_id = ? AND seq = ?",
    "DELETE FROM broker_queue WHERE client_id = ?",
    "INSERT OR REPLACE INTO retained VALUES (?,?,?)",
    "DELETE FROM retained WHERE topic = ?",
};

/// Binds NULL.
struct null_value {};

/// A blob or text pointer that is never null (SQLite binds a null pointer as NULL).
const char* non_null(const void* p) {
    static const char empty = 0;
    return p != nullptr ? static_cast<const char*>(p) : &empty;
}

void bind(sqlite3_stmt* st, int i, null_value /*unused*/) {
    sqlite3_bind_null(st, i);
}
void bind(sqlite3_stmt* st, int i, std::string_view text) {
    sqlite3_bind_text(st, i, non_null(text.data()), static_cast<int>(text.size()), SQLITE_STATIC);
}
void bind(sqlite3_stmt* st, int i, const std::string& text) {
    bind(st, i, std::string_view(text));
}
/// Bytes bound as a BLOB (payloads, the forwarder's node id).
struct blob_view {
    const void* data = nullptr;
    std::size_t size = 0;
};
blob_view as_blob(const std::vector<std::uint8_t>& v) {
    return {v.data(), v.size()};
}
blob_view as_blob(const std::string& v) {
    return {v.data(), v.size()};
}

void bind(sqlite3_stmt* st, int i, blob_view blob) {
    sqlite3_bind_blob(st, i, non_null(blob.data), static_cast<int>(blob.size), SQLITE_STATIC);
}
void bind(sqlite3_stmt* st, int i, const std::vector<std::uint8_t>& blob) {
    bind(st, i, as_blob(blob));
}
template <class T>
requires std::is_integral_v<T>
void bind(sqlite3_stmt* st, int i, T v) {
    sqlite3_bind_int64(st, i, static_cast<sqlite3_int64>(v));
}
template <class T>
void bind(sqlite3_stmt* st, int i, const std::optional<T>& v) {
    if (v) {
        bind(st, i, *v);
    } else {
        bind(st, i, null_value{});
    }
}

std::string column_text(sqlite3_stmt* st, int i) {
    const auto* p = sqlite3_column_text(st, i);
    return p == nullptr ? std::string()
                        : std::string(reinterpret_cast<const char*>(p),
                                      static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
}
std::vector<std::uint8_t> column_blob(sqlite3_stmt* st, int i) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(st, i));
    return p == nullptr ? std::vector<std::uint8_t>()
                        : std::vector<std::uint8_t>(
                              p, p + static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
}
template <class T>
T column(sqlite3_stmt* st, int i) {
    return static_cast<T>(sqlite3_column_int64(st, i));
}
std::uint64_t column_seq(sqlite3_stmt* st, int i) {
    return column<std::uint64_t>(st, i);
}

/// The directory the file is in, as the user wrote it ("." for a bare name).
std::string directory_of(const std::string& path) {
    const auto dir = fs::path(path).parent_path();
    return dir.empty() ? std::string(".") : dir.string();
}

/// Whether the file system of `path` has a megabyte free: then SQLITE_FULL means max_size.
bool disk_has_room(const std::string& path) {
    struct statvfs fsinfo {};
    if (::statvfs(directory_of(path).c_str(), &fsinfo) != 0) {
        return false;
    }
    return static_cast<std::uint64_t>(fsinfo.f_bavail) * fsinfo.f_frsize >= 1024 * 1024;
}

/// A read statement of load(), finalized when it goes.
class query {
public:
    query(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &st_, nullptr); }
    ~query() { sqlite3_finalize(st_); }
    query(const query&) = delete;
    query& operator=(const query&) = delete;
    query(query&&) = delete;
    query& operator=(query&&) = delete;

    [[nodiscard]] sqlite3_stmt* get() const noexcept { return st_; }
    /// Rebinds the first parameter to `key` and starts over.
    void reset(std::string_view key) {
        sqlite3_reset(st_);
        bind(st_, 1, key);
    }
    /// The next row; false at the end or on error (then rc() says which).
    bool next() {
        if (rc_ != SQLITE_OK && rc_ != SQLITE_ROW && rc_ != SQLITE_DONE) {
            return false;
        }
        rc_ = sqlite3_step(st_);
        return rc_ == SQLITE_ROW;
    }
    [[nodiscard]] bool failed() const noexcept {
        return rc_ != SQLITE_OK && rc_ != SQLITE_DONE && rc_ != SQLITE_ROW;
    }

private:
    sqlite3_stmt* st_ = nullptr;
    int rc_ = SQLITE_OK;
};

/// An integer PRAGMA's value (or `fallback` when it cannot be read).
std::int64_t pragma_int(sqlite3* db, const char* name, std::int64_t fallback, int* rc = nullptr) {
    query q(db, (std::string("PRAGMA ") + name).c_str());
    std::int64_t v = fallback;
    if (q.next()) {
        v = sqlite3_column_int64(q.get(), 0);
        (void)q.next();
    }
    if (rc != nullptr) {
        *rc = q.failed() ? sqlite3_errcode(db) : SQLITE_OK;
    }
    return v;
}

// --- open: checks, each giving one cause --------------------------------------------------

/// Why open() cannot use the file. `bad_content` problems may be moved aside.
struct open_problem {
    std::string cause;
    bool bad_content = false;
};

/// The filesystem checks, before SQLite sees the file (SQLite's own error for them is "unable
/// to open database file", which does not say what to fix). access() is asked rather than
/// trying: it answers for the real uid, which is the one that runs snbridge.
std::optional<open_problem> check_filesystem(const std::string& path) {
    const std::string dir = directory_of(path);
    std::error_code ec;
    const auto dir_status = fs::status(dir, ec);
    if (!fs::exists(dir_status)) {
        return open_problem{"directory " + dir + " does not exist"};
    }
    if (!fs::is_directory(dir_status)) {
        return open_problem{dir + " is not a directory"};
    }
    const auto file_status = fs::status(path, ec);
    if (fs::is_directory(file_status)) {
        return open_problem{"is a directory"};
    }
    const auto denied = [](int err) {
        return err == EACCES || err == EPERM;
    };
    if (fs::exists(file_status)) {
        if (::access(path.c_str(), R_OK) != 0) {
            const int err = errno;
            return open_problem{
                "cannot read the file (" +
                std::string(denied(err) ? "permission denied" : std::strerror(err)) + ")"};
        }
        if (::access(path.c_str(), W_OK) != 0) {
            return open_problem{"the file is read-only"};
        }
    }
    // WAL mode creates FILE-wal next to it (and a new file needs the directory anyway).
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        const int err = errno;
        return open_problem{"cannot create files in " + dir + " (" +
                            std::string(denied(err) ? "permission denied" : std::strerror(err)) +
                            ")"};
    }
    return std::nullopt;
}

/// For a file SQLite calls malformed: whether it is shorter than its header says (a copy or
/// a disk that stopped mid-page), worded for the message, or "" when it is not.
std::string truncation(const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) {
        return {};
    }
    if (size < 100) {
        return std::to_string(size) + " bytes, shorter than the 100-byte header";
    }
    std::array<unsigned char, 100> h{};
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(h.data()), h.size());
    if (!in) {
        return {};
    }
    const auto be32 = [&](std::size_t at) {
        return (std::uint32_t{h[at]} << 24) | (std::uint32_t{h[at + 1]} << 16) |
               (std::uint32_t{h[at + 2]} << 8) | std::uint32_t{h[at + 3]};
    };
    // SQLite file format §1.3: page size at 16 (1 means 65536), page count at 28, valid when
    // the change counter (24) equals version-valid-for (92).
    const std::uint32_t raw = (std::uint32_t{h[16]} << 8) | h[17];
    const std::uint64_t page_size = raw == 1 ? 65536 : raw;
    const std::uint64_t pages = be32(24) == be32(92) ? be32(28) : 0;
    if (page_size == 0) {
        return {};
    }
    if (size % page_size != 0 || size < pages * page_size) {
        return std::to_string(size) + " bytes, the header says " +
               std::to_string(pages * page_size);
    }
    return {};
}

/// The cause for an SQLite error while reading or setting up the file.
open_problem classify(sqlite3* db, int rc, const std::string& path) {
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return {"locked by another process"};
    case SQLITE_NOTADB:
        return {"not an SQLite database", true};
    case SQLITE_CORRUPT: {
        const auto detail = std::string(sqlite3_errmsg(db));
        if (auto t = truncation(path); !t.empty()) {
            return {"the file is truncated or corrupt (" + detail + "; " + t + ")", true};
        }
        return {"the file is corrupt (" + detail + ")", true};
    }
    case SQLITE_READONLY:
        return {"the file is read-only"};
    case SQLITE_FULL:
        return {"disk full"};
    default:
        return {std::string(sqlite3_errmsg(db))};
    }
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

/// A statement that must succeed during open; its error classified.
std::optional<open_problem> exec(sqlite3* db, const char* sql, const std::string& path) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
        return classify(db, rc, path);
    }
    return std::nullopt;
}

/// Reads what is in the file and refuses what is not ours (nothing is written yet).
std::optional<open_problem> check_content(sqlite3* db, const std::string& path,
                                          std::int64_t& version) {
    // The first read takes the lock (locking_mode=EXCLUSIVE keeps it) and parses the schema.
    std::vector<std::string> names;
    {
        query q(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
        while (q.next()) {
            names.push_back(column_text(q.get(), 0));
        }
        if (q.failed()) {
            return classify(db, sqlite3_errcode(db), path);
        }
    }
    {
        query q(db, "PRAGMA quick_check(1)");
        std::string result;
        if (q.next()) {
            result = column_text(q.get(), 0);
        }
        if (q.failed()) {
            return classify(db, sqlite3_errcode(db), path);
        }
        if (result != "ok") {
            // "*** in database main ***\nPage 9: ..." -> "Page 9: ...", one line.
            if (const std::string head = "*** in database main ***\n"; result.starts_with(head)) {
                result.erase(0, head.size());
            }
            std::replace(result.begin(), result.end(), '\n', ' ');
            if (auto t = truncation(path); !t.empty()) {
                return open_problem{"the file is truncated or corrupt (" + result + "; " + t + ")",
                                    true};
            }
            return open_problem{"the file is corrupt (" + result + ")", true};
        }
    }
    const auto app = static_cast<std::uint32_t>(pragma_int(db, "application_id", 0));
    version = pragma_int(db, "user_version", 0);
    if (app != 0 && app != application_id) {
        return open_problem{"not a snbridge state file (application_id " + hex32(app) + ")", true};
    }
    if (version == 0 && !names.empty()) {
        // Not created by snbridge (ours always have user_version >= 1).
        std::string list;
        for (const auto& n : names) {
            list += (list.empty() ? "" : ", ") + n;
        }
        return open_problem{"not a snbridge state file (application_id " + hex32(app) +
                                ", tables " + list + ")",
                            true};
    }
    if (version > schema_version) {
        return open_problem{"schema version " + std::to_string(version) +
                                " is newer than this snbridge supports (" +
                                std::to_string(schema_version) + ")",
                            true};
    }
    if (version < 0) {
        return open_problem{"the file is corrupt (user_version " + std::to_string(version) + ")",
                            true};
    }
    if (version == schema_version) {
        for (const char* t : tables) {
            if (std::find(names.begin(), names.end(), t) == names.end()) {
                return open_problem{"the file is corrupt (table " + std::string(t) + " is missing)",
                                    true};
            }
        }
    }
    return std::nullopt;
}

/// Applies the migration steps from `version` to schema_version in one transaction, which
/// also takes the exclusive lock for good (locking_mode=EXCLUSIVE).
std::optional<open_problem> migrate(sqlite3* db, const std::string& path, std::int64_t version) {
    if (auto p = exec(db, "BEGIN EXCLUSIVE", path)) {
        return p;
    }
    int rc = SQLITE_OK;
    for (auto v = static_cast<std::size_t>(version); v < migrations.size() && rc == SQLITE_OK;
         ++v) {
        rc = migrations[v](db);
    }
    const std::string ids = "PRAGMA application_id = " + std::to_string(application_id) +
                            "; PRAGMA user_version = " + std::to_string(schema_version);
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, ids.c_str(), nullptr, nullptr, nullptr);
    }
    if (rc == SQLITE_OK) {
        rc = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
        auto p = classify(db, rc, path);
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return p;
    }
    return std::nullopt;
}

/// FILE.bad-YYYYmmddTHHMMSS (UTC), with .N added when that name is taken.
std::string bad_name(const std::string& path) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &utc);
    std::string name = path + ".bad-" + stamp;
    std::error_code ec;
    for (int n = 1; fs::exists(name, ec); ++n) {
        name = path + ".bad-" + stamp + "." + std::to_string(n);
    }
    return name;
}

/// Renames the file and its -wal/-journal/-shm to `to` (+ the same suffixes).
std::optional<std::string> move_aside(const std::string& path, const std::string& to) {
    std::error_code ec;
    fs::rename(path, to, ec);
    if (ec) {
        return "cannot rename it to " + to + " (" + ec.message() + ")";
    }
    for (const char* suffix : {"-wal", "-journal", "-shm"}) {
        if (fs::exists(path + suffix, ec)) {
            fs::rename(path + suffix, to + suffix, ec);
        }
    }
    return std::nullopt;
}

/// Keeps FILE-wal when the connection closes (SQLite removes it otherwise, even beside a
/// file it could not read): a refused file is left as it was found.
void keep_wal(sqlite3* db, bool keep) {
    int on = keep ? 1 : 0;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &on);
}

/// Opens and checks the file; on success `out` is the connection, set up and migrated. A bad
/// file is renamed to `moved_to` when that is not null (before SQLite lets go of its -wal).
std::optional<open_problem> open_checked(const options& opts, sqlite3*& out,
                                         std::string* moved_to) {
    if (auto p = check_filesystem(opts.path)) {
        return p;
    }
    std::error_code ec;
    const bool had_wal = fs::exists(opts.path + "-wal", ec);
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(opts.path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    auto problem = [&]() -> std::optional<open_problem> {
        if (rc != SQLITE_OK) {
            return classify(db, rc, opts.path);
        }
        keep_wal(db, true);
        // Exclusive before WAL: the WAL index then lives in this process's memory (no -shm
        // file), and the lock taken by the first read is held until close, so a second
        // snbridge on the same file is refused.
        if (auto p = exec(db, "PRAGMA locking_mode = EXCLUSIVE", opts.path)) {
            return p;
        }
        std::int64_t version = 0;
        if (auto p = check_content(db, opts.path, version)) {
            return p;
        }
        {
            query q(db, "PRAGMA journal_mode = WAL");
            std::string mode;
            if (q.next()) {
                mode = column_text(q.get(), 0);
            }
            if (q.failed()) {
                return classify(db, sqlite3_errcode(db), opts.path);
            }
            if (mode != "wal") {
                return open_problem{"cannot switch it to WAL mode (journal_mode is " + mode + ")"};
            }
        }
        if (auto p = exec(db,
                          opts.sync == sync_mode::full ? "PRAGMA synchronous = FULL"
                                                       : "PRAGMA synchronous = NORMAL",
                          opts.path)) {
            return p;
        }
        return migrate(db, opts.path, version);
    }();
    if (problem) {
        if (problem->bad_content && moved_to != nullptr) {
            *moved_to = bad_name(opts.path);
            if (auto why = move_aside(opts.path, *moved_to)) {
                problem->cause += "; " + *why;
                problem->bad_content = false;
            }
        }
        sqlite3_close(db);
        // An empty -wal that only this attempt made goes again.
        const std::string wal =
            (moved_to != nullptr && !moved_to->empty() ? *moved_to : opts.path) + "-wal";
        if (!had_wal && fs::exists(wal, ec) && fs::file_size(wal, ec) == 0) {
            fs::remove(wal, ec);
        }
        return problem;
    }
    keep_wal(db, false);
    out = db;
    return std::nullopt;
}

} // namespace

struct store::statements {
    std::array<sqlite3_stmt*, s_count> s{};

    statements() = default;
    ~statements() {
        for (auto* st : s) {
            sqlite3_finalize(st);
        }
    }
    statements(const statements&) = delete;
    statements& operator=(const statements&) = delete;
    statements(statements&&) = delete;
    statements& operator=(statements&&) = delete;

    int prepare(sqlite3* db) {
        for (std::size_t i = 0; i < s_count; ++i) {
            const int rc =
                sqlite3_prepare_v3(db, write_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s[i], nullptr);
            if (rc != SQLITE_OK) {
                return rc;
            }
        }
        return SQLITE_OK;
    }
};

store::store(passkey /*unused*/) {
    attach_metrics(*own_metrics_);
}

void store::attach_metrics(metrics::registry& m) {
    commits_ = m.counter_of("snbridge_persistence_commits_total",
                            "Loop turns committed to the state file, by result (failed: "
                            "acknowledgements held back until it can write).",
                            {{"result", "ok"}});
    failed_commits_ =
        m.counter_of("snbridge_persistence_commits_total", "", {{"result", "failed"}});
    commit_seconds_ = m.histogram_of(
        "snbridge_persistence_commit_seconds",
        "Time to write one loop turn's changes and COMMIT them (WAL; persistence.sync).",
        {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1});
}

result<std::unique_ptr<store>> store::open(const options& opts) {
    if (opts.path.empty()) {
        return fail(error{"persistence: the path is empty"});
    }
    sqlite3* db = nullptr;
    std::string moved_to;
    const bool move = opts.on_bad_file == bad_file_policy::move_aside;
    auto problem = open_checked(opts, db, move ? &moved_to : nullptr);
    if (problem && problem->bad_content && move) {
        log::warning("Persistence: ", opts.path, ": ", problem->cause, "; moved it to ", moved_to,
                     " and started a fresh one");
        problem = open_checked(opts, db, nullptr);
    }
    if (problem) {
        return fail(error{opts.path + ": " + problem->cause});
    }
    auto s = std::make_unique<store>(passkey{});
    s->db_ = db;
    s->path_ = opts.path;
    s->stmts_ = std::make_unique<statements>();
    if (const int rc = s->stmts_->prepare(db); rc != SQLITE_OK) {
        return fail(error{opts.path + ": " + classify(db, rc, opts.path).cause});
    }
    s->limit_size(opts.max_size_bytes);
    return s;
}

store::~store() {
    if (db_ == nullptr) {
        return;
    }
    if (pending_) {
        (void)commit();
    }
    if (in_transaction_) {
        rollback();
    }
    stmts_.reset();
    // Copies every committed page into the file and empties the WAL; the close then removes
    // it, so a clean stop leaves the file alone.
    sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
}

void store::set_max_size_for_test(std::uint64_t bytes) noexcept {
    limit_size(bytes);
}

void store::limit_size(std::uint64_t bytes) noexcept {
    max_size_bytes_ = bytes;
    const auto page_size = static_cast<std::uint64_t>(pragma_int(db_, "page_size", 4096));
    // 0 restores SQLite's own limit (4294967294 pages).
    const std::uint64_t pages =
        bytes == 0 ? 4294967294ULL : std::max<std::uint64_t>(1, bytes / page_size);
    (void)pragma_int(db_, ("max_page_count = " + std::to_string(pages)).c_str(), 0);
}

// --- load ---------------------------------------------------------------------------------

result<snapshot> store::load() {
    snapshot out;
    query sessions(db_, "SELECT * FROM gateway_session ORDER BY client_id");
    query topics(db_, "SELECT topic_id, name, known_to_client, rejected FROM gateway_topic "
                      "WHERE client_id = ? ORDER BY topic_id");
    query qos2(db_, "SELECT msg_id FROM gateway_qos2 WHERE client_id = ? ORDER BY msg_id");
    query gw_queue(db_, "SELECT seq, topic, payload, qos, retain, msg_id, stage, sent_before "
                        "FROM gateway_queue WHERE client_id = ? ORDER BY seq");
    while (sessions.next()) {
        auto* st = sessions.get();
        gateway_session_state g;
        auto& r = g.row;
        r.client_id = column_text(st, 0);
        r.state = column<std::uint8_t>(st, 1);
        r.clean_session = column<bool>(st, 2);
        r.mqtt_open = column<bool>(st, 3);
        r.reachable = column<bool>(st, 4);
        r.keep_alive_s = column<std::uint16_t>(st, 5);
        r.sleep_s = column<std::uint16_t>(st, 6);
        r.peer_address = column_text(st, 7);
        const auto node = column_blob(st, 8);
        r.node_id.assign(node.begin(), node.end());
        r.via_forwarder = column<bool>(st, 9);
        r.next_msg_id = column<std::uint16_t>(st, 10);
        if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
            r.will = will_message{.topic = column_text(st, 11),
                                  .payload = column_blob(st, 12),
                                  .qos = column<std::uint8_t>(st, 13),
                                  .retain = column<bool>(st, 14)};
        }
        topics.reset(r.client_id);
        while (topics.next()) {
            r.topics.push_back({.id = column<std::uint16_t>(topics.get(), 0),
                                .name = column_text(topics.get(), 1),
                                .known_to_client = column<bool>(topics.get(), 2),
                                .rejected = column<bool>(topics.get(), 3)});
        }
        qos2.reset(r.client_id);
        while (qos2.next()) {
            r.qos2_received.push_back(column<std::uint16_t>(qos2.get(), 0));
        }
        gw_queue.reset(r.client_id);
        while (gw_queue.next()) {
            auto* q = gw_queue.get();
            g.queue.push_back({.message = {.seq = column_seq(q, 0),
                                           .topic = column_text(q, 1),
                                           .payload = column_blob(q, 2),
                                           .qos = column<std::uint8_t>(q, 3),
                                           .retain = column<bool>(q, 4)},
                               .msg_id = column<std::uint16_t>(q, 5),
                               .stage = column<std::uint8_t>(q, 6),
                               .sent_before = column<bool>(q, 7)});
        }
        if (topics.failed() || qos2.failed() || gw_queue.failed()) {
            break;
        }
        out.gateway_sessions.push_back(std::move(g));
    }
    query brokers(db_, "SELECT client_id, clean_session FROM broker_session ORDER BY client_id");
    query subs(db_, "SELECT filter, qos FROM broker_subscription WHERE client_id = ? "
                    "ORDER BY filter");
    query br_queue(db_, "SELECT seq, topic, payload, qos, retain FROM broker_queue "
                        "WHERE client_id = ? ORDER BY seq");
    while (brokers.next()) {
        broker_session_state b;
        b.client_id = column_text(brokers.get(), 0);
        b.clean_session = column<bool>(brokers.get(), 1);
        subs.reset(b.client_id);
        while (subs.next()) {
            b.subscriptions.push_back(
                {.filter = column_text(subs.get(), 0), .qos = column<std::uint8_t>(subs.get(), 1)});
        }
        br_queue.reset(b.client_id);
        while (br_queue.next()) {
            auto* q = br_queue.get();
            b.queue.push_back({.seq = column_seq(q, 0),
                               .topic = column_text(q, 1),
                               .payload = column_blob(q, 2),
                               .qos = column<std::uint8_t>(q, 3),
                               .retain = column<bool>(q, 4)});
        }
        if (subs.failed() || br_queue.failed()) {
            break;
        }
        out.broker_sessions.push_back(std::move(b));
    }
    query retained(db_, "SELECT topic, payload, qos FROM retained ORDER BY topic");
    while (retained.next()) {
        out.retained.push_back({.topic = column_text(retained.get(), 0),
                                .payload = column_blob(retained.get(), 1),
                                .qos = column<std::uint8_t>(retained.get(), 2)});
    }
    for (const query* q :
         {&sessions, &topics, &qos2, &gw_queue, &brokers, &subs, &br_queue, &retained}) {
        if (q->failed()) {
            return fail(error{path_ + ": cannot read the state (" + sqlite3_errmsg(db_) + ")"});
        }
    }
    return out;
}

// --- writes -------------------------------------------------------------------------------

bool store::begin_write() noexcept {
    if (frozen_) {
        return false;
    }
    pending_ = true;
    if (turn_failed_) {
        return false; // the turn is rolled back anyway
    }
    if (!in_transaction_) {
        sqlite3_stmt* st = stmts_->s[s_begin];
        const int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            note_error(rc);
            return false;
        }
        in_transaction_ = true;
    }
    return true;
}

template <class... Args>
void store::write(std::size_t statement, const Args&... args) noexcept {
    if (!begin_write()) {
        return;
    }
    sqlite3_stmt* st = stmts_->s[statement];
    int i = 0;
    (bind(st, ++i, args), ...);
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        note_error(rc);
    }
}

void store::note_error(int rc) noexcept {
    if (!turn_failed_) {
        turn_failed_ = true;
        try {
            turn_cause_ = describe(rc);
        } catch (...) {
            turn_cause_.clear();
        }
    }
    // SQLite may have rolled the whole transaction back itself (SQLITE_FULL, I/O errors).
    if (sqlite3_get_autocommit(db_) != 0) {
        in_transaction_ = false;
    }
}

void store::rollback() noexcept {
    if (in_transaction_ && sqlite3_get_autocommit(db_) == 0) {
        sqlite3_stmt* st = stmts_->s[s_rollback];
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    in_transaction_ = false;
}

std::string store::describe(int rc) const {
    switch (rc & 0xff) {
    case SQLITE_FULL:
        if (max_size_bytes_ > 0 && disk_has_room(path_)) {
            return "the file reached max_size (" + std::to_string(max_size_bytes_) + " bytes)";
        }
        return "disk full";
    case SQLITE_IOERR:
        return std::string("I/O error (") + sqlite3_errmsg(db_) + ")";
    case SQLITE_READONLY:
        return "the file became read-only";
    default:
        return sqlite3_errmsg(db_);
    }
}

void store::put_gateway_session(const gateway_session_row& row) {
    const auto& w = row.will;
    write(s_gw_session_put, row.client_id, row.state, row.clean_session, row.mqtt_open,
          row.reachable, row.keep_alive_s, row.sleep_s, row.peer_address, as_blob(row.node_id),
          row.via_forwarder, row.next_msg_id,
          w ? std::optional<std::string_view>(w->topic) : std::nullopt,
          w ? std::optional<blob_view>(as_blob(w->payload)) : std::nullopt,
          w ? std::optional<int>(w->qos) : std::nullopt,
          w ? std::optional<int>(w->retain) : std::nullopt);
    write(s_gw_topics_delete, row.client_id);
    for (const auto& t : row.topics) {
        write(s_gw_topic_insert, row.client_id, t.id, t.name, t.known_to_client, t.rejected);
    }
    write(s_gw_qos2_delete, row.client_id);
    for (const auto id : row.qos2_received) {
        write(s_gw_qos2_insert, row.client_id, id);
    }
}

void store::erase_gateway_session(std::string_view client_id) {
    write(s_gw_session_delete, client_id);
    write(s_gw_topics_delete, client_id);
    write(s_gw_qos2_delete, client_id);
    write(s_gw_queue_delete, client_id);
}

void store::append_gateway_message(std::string_view client_id, const gateway_queue_row& m) {
    const auto& msg = m.message;
    write(s_gw_queue_insert, client_id, msg.seq, msg.topic, msg.payload, msg.qos, msg.retain,
          m.msg_id, m.stage, m.sent_before);
}

void store::update_gateway_message(std::string_view client_id, std::uint64_t seq,
                                   std::uint16_t msg_id, std::uint8_t stage, bool sent_before) {
    write(s_gw_queue_update, msg_id, stage, sent_before, client_id, seq);
}

void store::erase_gateway_message(std::string_view client_id, std::uint64_t seq) {
    write(s_gw_queue_delete_one, client_id, seq);
}

void store::erase_gateway_queue(std::string_view client_id) {
    write(s_gw_queue_delete, client_id);
}

void store::put_broker_session(std::string_view client_id, bool clean_session) {
    write(s_br_session_put, client_id, clean_session);
}

void store::erase_broker_session(std::string_view client_id) {
    write(s_br_session_delete, client_id);
    write(s_br_subs_delete, client_id);
    write(s_br_queue_delete, client_id);
}

void store::put_subscription(std::string_view client_id, std::string_view filter,
                             std::uint8_t qos) {
    write(s_br_sub_put, client_id, filter, qos);
}

void store::erase_subscription(std::string_view client_id, std::string_view filter) {
    write(s_br_sub_delete, client_id, filter);
}

void store::append_broker_message(std::string_view client_id, const stored_message& m) {
    write(s_br_queue_insert, client_id, m.seq, m.topic, m.payload, m.qos, m.retain);
}

void store::erase_broker_message(std::string_view client_id, std::uint64_t seq) {
    write(s_br_queue_delete_one, client_id, seq);
}

void store::erase_broker_queue(std::string_view client_id) {
    write(s_br_queue_delete, client_id);
}

void store::put_retained(const retained_row& r) {
    write(s_retained_put, r.topic, r.payload, r.qos);
}

void store::erase_retained(std::string_view topic) {
    write(s_retained_delete, topic);
}

// --- the turn -----------------------------------------------------------------------------

void store::on_before_commit(std::function<void()> hook) {
    before_commit_.push_back(std::move(hook));
}

void store::on_resync(std::function<void()> hook) {
    resync_.push_back(std::move(hook));
}

void store::after_commit(std::function<void(bool committed)> f) {
    if (!pending_) {
        f(true);
        return;
    }
    after_commit_.push_back(std::move(f));
}

bool store::commit() {
    if (!pending_) {
        return true;
    }
    if (failing_ && now_() - last_failure_ < std::chrono::seconds(1)) {
        // Retried at most once a second; the next attempt rewrites everything anyway.
        rollback();
        return finish_turn(false);
    }
    const auto started = std::chrono::steady_clock::now();
    for (auto& hook : before_commit_) {
        hook();
    }
    if (failing_ && frozen_) {
        rollback(); // nothing may be written any more, so the state cannot be resynced
        return finish_turn(false);
    }
    if (failing_) {
        // What is on disk is the last good commit; memory has moved on. Start from empty and
        // write the whole state (this turn's writes included).
        rollback();
        turn_failed_ = false;
        for (const char* t : tables) {
            if (!begin_write()) {
                break;
            }
            const std::string sql = std::string("DELETE FROM ") + t;
            if (const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
                rc != SQLITE_OK) {
                note_error(rc);
            }
        }
        for (auto& hook : resync_) {
            hook();
        }
    }
    if (!turn_failed_ && in_transaction_) {
        sqlite3_stmt* st = stmts_->s[s_commit];
        const int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_DONE) {
            in_transaction_ = false;
            commit_seconds_.observe(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        } else {
            note_error(rc);
        }
    }
    if (turn_failed_) {
        rollback();
        // Only a real attempt restarts the one-second wait (refused turns do not).
        last_failure_ = now_();
    }
    return finish_turn(!turn_failed_);
}

bool store::finish_turn(bool committed) {
    pending_ = false;
    turn_failed_ = false;
    if (committed) {
        ++commits_;
        if (failing_) {
            failing_ = false;
            log::notice("Persistence: ", path_, ": writing again");
        }
    } else {
        ++failed_commits_;
        if (!failing_) {
            failing_ = true;
            log::error("Persistence: ", path_, ": ",
                       turn_cause_.empty() ? std::string("cannot write") : turn_cause_,
                       "; acknowledgements stop until it can write again");
        }
    }
    turn_cause_.clear();
    auto callbacks = std::move(after_commit_);
    after_commit_.clear();
    for (auto& f : callbacks) {
        f(committed);
    }
    return committed;
}

} // namespace snbridge::common::persist
