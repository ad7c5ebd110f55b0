#include "gateway/sensor_status.hpp"

#include <ctime>

#include "common/json.hpp"
#include "gateway/gateway_core.hpp"

namespace snbridge::gateway {

namespace {

namespace json = common::json;

/// The JSON object's first fields, without those that move with the traffic (queued,
/// retransmissions) or the clock (last seen): a change here is a change of status.
std::string stable_part(const session& s) {
    std::string out = "{\"client_id\":";
    json::append_string(out, s.client_id);
    out += ",\"state\":";
    json::append_string(out, to_string(s.state));
    out += ",\"address\":";
    json::append_string(out, to_string(s.peer));
    out += ",\"reachable\":";
    out += s.reachable ? "true" : "false";
    out += ",\"clean_session\":";
    out += s.clean_session ? "true" : "false";
    out += ",\"keep_alive_s\":" + std::to_string(s.keep_alive_s);
    out += ",\"sleep_s\":" + std::to_string(s.sleep_s);
    out += ",\"topics\":[";
    bool first = true;
    for (const auto& e : s.topics.entries()) {
        if (!first) {
            out += ',';
        }
        first = false;
        json::append_string(out, e.name);
    }
    out += ']';
    return out;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
    const auto secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return {buf, n};
}

} // namespace

std::string sensor_json(const session& s, time_point now,
                        std::chrono::system_clock::time_point wall_now) {
    auto out = stable_part(s);
    out += ",\"queued\":" + std::to_string(s.queue.size());
    out += ",\"retransmissions\":" + std::to_string(s.retransmissions);
    const auto ago = now > s.last_heard ? now - s.last_heard : time_point::duration::zero();
    const auto ago_s = std::chrono::duration_cast<std::chrono::seconds>(ago).count();
    out +=
        ",\"last_seen\":\"" +
        iso8601(wall_now - std::chrono::duration_cast<std::chrono::system_clock::duration>(ago)) +
        "\"";
    out += ",\"last_seen_s_ago\":" + std::to_string(ago_s);
    out += '}';
    return out;
}

sensor_status::sensor_status(const gateway_core& core, report_fn report,
                             std::function<void()> first_change)
    : core_(core)
    , report_(std::move(report))
    , first_change_(std::move(first_change)) {}

void sensor_status::session_changed(const session& s) {
    const bool was_empty = dirty_.empty();
    if (dirty_.find(s.client_id) == dirty_.end()) {
        dirty_.emplace(s.client_id);
    }
    if (was_empty && first_change_) {
        first_change_();
    }
}

void sensor_status::session_ended(std::string_view client_id) {
    const bool was_empty = dirty_.empty();
    if (dirty_.find(client_id) == dirty_.end()) {
        dirty_.emplace(client_id);
    }
    if (was_empty && first_change_) {
        first_change_();
    }
}

void sensor_status::flush(time_point now, bool all) {
    const auto wall_now = std::chrono::system_clock::now();
    if (all) {
        for (const auto& [id, s] : core_.sessions()) {
            dirty_.emplace(s.client_id);
        }
    }
    for (const auto& client_id : dirty_) {
        const auto* s = core_.find_session(client_id);
        const auto it = reported_.find(client_id);
        if (s == nullptr) {
            if (it != reported_.end()) {
                reported_.erase(it);
                report_(client_id, std::nullopt);
            }
            continue;
        }
        auto stable = stable_part(*s);
        if (!all && it != reported_.end() && it->second == stable) {
            continue;
        }
        report_(client_id, sensor_json(*s, now, wall_now));
        reported_.insert_or_assign(client_id, std::move(stable));
    }
    dirty_.clear();
}

} // namespace snbridge::gateway
