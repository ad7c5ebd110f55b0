#include "gateway/status_http.hpp"

#include <map>

#include "common/json.hpp"
#include "gateway/gateway_core.hpp"
#include "gateway/sensor_status.hpp"

namespace snbridge::gateway {

namespace {

namespace json = common::json;

void append_number(std::string& out, double v) {
    const auto whole = static_cast<long long>(v);
    if (static_cast<double>(whole) == v) {
        out += std::to_string(whole);
    } else {
        out += std::to_string(v);
    }
}

// The page polls /status.json and renders it; before the first answer (or without script)
// it says so. Everything is inline: it works on a site without internet.
constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>snbridge status</title>
<style>
:root { color-scheme: light dark; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --mute: #6e7781; }
body { font: 15px/1.4 system-ui, sans-serif; margin: 0; padding: 12px; }
h1 { font-size: 1.3em; margin: 0 0 4px; }
h2 { font-size: 1.05em; margin: 18px 0 6px; }
.meta { color: var(--mute); margin-bottom: 8px; }
.wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #8884; white-space: nowrap; }
td.topics { white-space: normal; word-break: break-all; min-width: 10em; }
#counters td:first-child { white-space: normal; word-break: break-all; }
.state { font-weight: 600; padding: 1px 6px; border-radius: 8px; }
.active, .connected, .awake { color: var(--ok); }
.asleep, .connecting { color: var(--warn); }
.lost, .disconnected { color: var(--bad); }
.none { color: var(--mute); }
#error { color: var(--bad); }
</style>
</head>
<body>
<h1 id="title">snbridge</h1>
<div class="meta" id="meta">Loading the status&hellip;</div>
<div id="error"></div>
<h2>Sensors (<span id="count">0</span>)</h2>
<div class="wrap"><table id="sensors">
<thead><tr><th>ClientId</th><th>State</th><th>Last seen</th><th>Address</th><th>Keep-alive / sleep</th><th>Topics</th><th>Queued</th><th>Retransmissions</th></tr></thead>
<tbody></tbody></table></div>
<h2>Counters</h2>
<div class="wrap"><table id="counters"><thead><tr><th>Metric</th><th>Value</th></tr></thead><tbody></tbody></table></div>
<script>
"use strict";
function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  row.appendChild(td);
  return td;
}
function ago(s) {
  if (s < 60) return s + " s ago";
  if (s < 3600) return Math.floor(s / 60) + " min ago";
  return Math.floor(s / 3600) + " h ago";
}
function render(st) {
  const g = st.gateway;
  document.getElementById("title").textContent = g.name + " - snbridge";
  const meta = document.getElementById("meta");
  meta.textContent = g.version + ", mode " + g.mode + ", up " + g.uptime_s + " s, upstream ";
  const up = document.createElement("span");
  up.className = "state " + g.upstream;
  up.id = "upstream";
  up.textContent = g.upstream;
  meta.appendChild(up);
  const body = document.querySelector("#sensors tbody");
  body.textContent = "";
  for (const s of st.sensors) {
    const row = document.createElement("tr");
    row.dataset.client = s.client_id;
    cell(row, s.client_id);
    const state = cell(row, s.state, "state " + s.state);
    state.dataset.state = s.state;
    cell(row, ago(s.last_seen_s_ago)).title = s.last_seen;
    cell(row, s.address + (s.reachable ? "" : " (taken)"));
    cell(row, s.state === "asleep" || s.state === "awake" ? "sleep " + s.sleep_s + " s" : "keep-alive " + s.keep_alive_s + " s");
    cell(row, s.topics.join(", "), "topics");
    cell(row, String(s.queued));
    cell(row, String(s.retransmissions));
    body.appendChild(row);
  }
  document.getElementById("count").textContent = st.sensors.length;
  const counters = document.querySelector("#counters tbody");
  counters.textContent = "";
  for (const c of st.counters) {
    const row = document.createElement("tr");
    cell(row, c.name);
    cell(row, String(c.value));
    counters.appendChild(row);
  }
}
async function refresh() {
  try {
    const r = await fetch("status.json", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    render(await r.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "The gateway does not answer (" + e.message + "); retrying.";
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)html";

} // namespace

std::string_view status_page_html() noexcept {
    return page;
}

std::string status_json(const status_sources& src) {
    const auto now = clock::now(); // the core runs on the loop clock (main.cpp)
    const auto wall_now = std::chrono::system_clock::now();
    std::string out = "{\"gateway\":{\"name\":";
    json::append_string(out, src.gateway_name);
    out += ",\"version\":";
    json::append_string(out, src.version);
    out += ",\"mode\":";
    json::append_string(out, src.mode);
    out += ",\"uptime_s\":" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                 std::chrono::steady_clock::now() - src.started)
                                                 .count());
    const auto up = src.upstream_connected ? src.upstream_connected() : std::nullopt;
    out += ",\"upstream\":";
    json::append_string(out, !up ? "none" : (*up ? "connected" : "disconnected"));
    out += "},\"sensors\":[";
    // In ClientId order, so that the page does not reshuffle.
    std::map<std::string_view, const session*> sorted;
    for (const auto& [id, s] : src.core->sessions()) {
        sorted.emplace(s.client_id, &s);
    }
    bool first = true;
    for (const auto& [client_id, s] : sorted) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += sensor_json(*s, now, wall_now);
    }
    out += "],\"counters\":[";
    // Each family's sum over its labels (the details are on /metrics).
    std::map<std::string, double> totals;
    for (const auto& sample : src.metrics->samples()) {
        totals[sample.family] += sample.value;
    }
    first = true;
    for (const auto& [name, value] : totals) {
        if (!first) {
            out += ',';
        }
        first = false;
        out += "{\"name\":";
        json::append_string(out, name);
        out += ",\"value\":";
        append_number(out, value);
        out += '}';
    }
    out += "]}";
    return out;
}

common::http::response serve_status(const common::http::request& req, const status_sources& src) {
    if (req.path == "/metrics") {
        // Prometheus' text format, version 0.0.4.
        return {.status = 200,
                .content_type = "text/plain; version=0.0.4; charset=utf-8",
                .body = src.metrics->prometheus_text()};
    }
    if (req.path == "/status.json") {
        return {.status = 200, .content_type = "application/json", .body = status_json(src)};
    }
    if (req.path == "/" || req.path == "/index.html") {
        return {.status = 200,
                .content_type = "text/html; charset=utf-8",
                .body = std::string(status_page_html())};
    }
    return {.status = 404,
            .content_type = "text/plain; charset=utf-8",
            .body = "Not found. Try /, /status.json or /metrics.\n"};
}

} // namespace snbridge::gateway
