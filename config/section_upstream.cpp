#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/topic.hpp"
#include "config/files.hpp"
#include "config/sections.hpp"

namespace snbridge::config {

namespace {

bool known_scheme(const std::string& uri) {
    for (const char* scheme : {"tcp://", "mqtt://", "ssl://", "mqtts://", "ws://", "wss://"}) {
        if (uri.starts_with(scheme) && uri.size() > std::string_view(scheme).size()) {
            return true;
        }
    }
    return false;
}

/// A topic prefix of upstream.topics: a topic name fragment, no wildcards.
void read_prefix(section_reader& item, std::string_view key, std::string& out) {
    if (item.read(key, out, 0, 65535) &&
        (out.find_first_of("+#") != std::string::npos || !common::topic::valid_utf8(out))) {
        item.error(key, "must be a topic prefix without '+' or '#'");
    }
}

void read_topics(section_reader& r, std::optional<std::vector<upstream_topic>>& out) {
    if (auto v = r.value("topics"); !v || v->is_null()) {
        return; // the default: everything out, in on demand
    }
    std::vector<upstream_topic> rules;
    const bool listed = r.each("topics", 0, 10000, [&](section_reader& item, std::size_t) {
        upstream_topic t;
        if (!item.has("pattern")) {
            item.error("pattern", "is required (a topic filter, e.g. \"sensors/#\")");
        } else if (item.read("pattern", t.pattern, 1, 65535) &&
                   !common::topic::valid_filter(t.pattern, {})) {
            item.error("pattern", "must be a valid topic filter ('+' and '#' only as whole "
                                  "levels, '#' last)");
        }
        item.read_enum("direction", t.direction,
                       {{"in", bridge_direction::in},
                        {"out", bridge_direction::out},
                        {"both", bridge_direction::both}});
        item.read("qos", t.qos, 0, 2);
        read_prefix(item, "local_prefix", t.local_prefix);
        read_prefix(item, "remote_prefix", t.remote_prefix);
        rules.push_back(std::move(t));
    });
    if (listed) {
        out = std::move(rules);
    }
}

} // namespace

void read_pem_file(section_reader& t, std::string_view key, std::string& out,
                   std::string_view when_absent) {
    auto v = t.value(key);
    if (!v || v->is_null()) {
        return;
    }
    auto path = v->as_string(0, 4096);
    if (!path) {
        return;
    }
    if (path->empty()) {
        v->error("must be the path of a PEM file, got \"\" (leave " + std::string(key) +
                 " out or set it to ~ " + std::string(when_absent) + ")");
        return;
    }
    if (auto why = unreadable(*path); !why.empty()) {
        v->error("must be a readable PEM file, got \"" + *path + "\" (" + why + ")");
        return;
    }
    const auto kind = key == "key_file" ? pem_kind::private_key : pem_kind::certificates;
    if (auto why = pem_problem(*path, kind); !why.empty()) {
        v->error("must be a PEM file OpenSSL can read, got \"" + *path + "\" (" + why + ")");
        return;
    }
    out = std::move(*path);
}

void parse_upstream(section_reader& r, upstream_section& out) {
    if (r.read("uri", out.uri, 1, 1024) && !known_scheme(out.uri)) {
        r.error("uri", "must be tcp://HOST:PORT or ssl://HOST:PORT (also mqtt://, mqtts://, "
                       "ws://, wss://)");
    }
    r.read("client_id", out.client_id, 1, 65535);
    r.read("client_id_prefix", out.client_id_prefix, 0, 65535);
    r.read("username", out.username, 0, 65535);
    r.read("password", out.password, 0, 65535);
    if (r.has("credentials")) {
        out.credentials.clear();
    }
    r.each("credentials", 0, 100000, [&](section_reader& item, std::size_t) {
        upstream_credentials c;
        item.read("client_id", c.client_id, 1, 65535);
        item.read("username", c.username, 0, 65535);
        item.read("password", c.password, 0, 65535);
        if (!item.has("client_id")) {
            item.error("client_id", "is required");
        }
        out.credentials.push_back(std::move(c));
    });
    r.section("tls", [&](section_reader& t) {
        read_pem_file(t, "ca_file", out.tls.ca_file, "for the system's CA certificates");
        read_pem_file(t, "cert_file", out.tls.cert_file,
                      "when the broker wants no client "
                      "certificate");
        read_pem_file(t, "key_file", out.tls.key_file, "when there is no cert_file");
        t.read("verify_hostname", out.tls.verify_hostname);
    });
    r.read("keep_alive", out.keep_alive, std::chrono::seconds(0), std::chrono::seconds(65535));
    r.read("connect_timeout", out.connect_timeout, std::chrono::seconds(1),
           std::chrono::seconds(600));
    const bool min_set = r.read("reconnect_min", out.reconnect_min, std::chrono::milliseconds(10),
                                std::chrono::milliseconds(3600000));
    const bool max_set = r.read("reconnect_max", out.reconnect_max, std::chrono::milliseconds(10),
                                std::chrono::milliseconds(86400000));
    if ((min_set || max_set) && out.reconnect_min > out.reconnect_max) {
        r.error(max_set ? "reconnect_max" : "reconnect_min",
                "reconnect_min must not be above reconnect_max");
    }
    r.read("clean_session", out.clean_session);
    r.read_enum("mqtt_version", out.protocol,
                {{"3.1.1", mqtt_version::v3_1_1}, {"5", mqtt_version::v5}});
    r.section("buffer", [&](section_reader& b) {
        b.read("max_messages", out.buffer.max_messages, 1u, 10000000u);
        b.read("persistence_dir", out.buffer.persistence_dir, 0, 4096);
        b.read("delete_oldest", out.buffer.delete_oldest);
    });
    r.read("offline_queue_max", out.offline_queue_max, 0u, 10000000u);
    read_topics(r, out.topics);
    r.read("max_unconfirmed", out.max_unconfirmed, 1u, 10000000u);
    r.read("max_unconfirmed_total", out.max_unconfirmed_total, 1u, 100000000u);
    r.read("availability", out.availability);
    r.read("availability_topic", out.availability_topic, 0, 65535);
    if (!out.availability_topic.empty() &&
        !common::topic::valid_name(out.availability_topic, {.max_levels = 65535})) {
        r.error("availability_topic",
                "must be a topic name (no + or #), got \"" + out.availability_topic + "\"");
    }
}

} // namespace snbridge::config
