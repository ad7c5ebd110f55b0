#include <fstream>

#include "common/password_hash.hpp"
#include "config/files.hpp"
#include "config/sections.hpp"

namespace snbridge::config {

namespace {

/// The USER:HASH lines of a Mosquitto password file (blank lines and '#' comments skipped);
/// the error names the file and line.
common::result<std::vector<broker_user>> read_password_file(const std::string& path) {
    if (auto why = unreadable(path); !why.empty()) {
        return common::fail(
            common::error{"must be a readable password file, got \"" + path + "\" (" + why + ")"});
    }
    std::ifstream in(path);
    std::vector<broker_user> users;
    std::string line;
    for (std::size_t n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto colon = line.find(':');
        const auto where = path + ":" + std::to_string(n) + ": ";
        if (colon == 0 || colon == std::string::npos) {
            return common::fail(
                common::error{"must be a mosquitto_passwd file; " + where + "not USER:HASH"});
        }
        auto hash = line.substr(colon + 1);
        if (auto why = common::hash_problem(hash)) {
            return common::fail(common::error{"must be a mosquitto_passwd file; " + where + *why +
                                              " (make it with mosquitto_passwd)"});
        }
        users.push_back(broker_user{.username = line.substr(0, colon), .password = hash});
    }
    return users;
}

} // namespace

void parse_broker(section_reader& r, broker_section& out) {
    // Broker core bounds.
    r.read("max_sessions", out.max_sessions, 1u, 10000000u);
    r.read("max_subscriptions_per_client", out.max_subscriptions_per_client, 1u, 1000000u);
    r.read("max_queued_messages", out.max_queued_messages, 0u, 10000000u);
    r.read("max_retained_messages", out.max_retained_messages, 0u, 10000000u);
    r.read("max_topic_levels", out.max_topic_levels, 1u, 32768u);
    // MQTT 3.1.1 TCP listener (issue 6).
    r.read("mqtt_listen", out.mqtt_listen, 0, 16);
    r.read("mqtt_allow_anonymous", out.mqtt_allow_anonymous);
    if (r.has("mqtt_users")) {
        out.mqtt_users.clear();
    }
    r.each("mqtt_users", 0, 1000, [&](section_reader& item, std::size_t) {
        broker_user u;
        item.read("username", u.username, 1, 65535);
        item.read("password", u.password, 0, 65535);
        if (!item.has("username")) {
            item.error("username", "is required");
        }
        out.mqtt_users.push_back(std::move(u));
    });
    if (auto v = r.value("mqtt_password_file"); v && !v->is_null()) {
        if (auto path = v->as_string(1, 4096)) {
            auto users = read_password_file(*path);
            if (!users) {
                v->error(users.error().message);
            } else {
                out.mqtt_password_file = std::move(*path);
                out.mqtt_password_file_users = std::move(*users);
            }
        }
    }
    r.read("mqtt_tls_listen", out.mqtt_tls_listen, 0, 16);
    r.section("mqtt_tls", [&](section_reader& t) {
        read_pem_file(t, "cert_file", out.mqtt_tls.cert_file, "when there is no mqtt_tls_listen");
        read_pem_file(t, "key_file", out.mqtt_tls.key_file, "when there is no mqtt_tls_listen");
        read_pem_file(t, "ca_file", out.mqtt_tls.ca_file, "to ask for no client certificates");
        t.read("require_certificate", out.mqtt_tls.require_certificate);
        if (!out.mqtt_tls_listen.empty() &&
            (out.mqtt_tls.cert_file.empty() || out.mqtt_tls.key_file.empty())) {
            t.error(out.mqtt_tls.cert_file.empty() ? "cert_file" : "key_file",
                    "is required with broker.mqtt_tls_listen (PEM)");
        }
        if (out.mqtt_tls.require_certificate && out.mqtt_tls.ca_file.empty()) {
            t.error("ca_file", "is required with require_certificate: true");
        }
    });
    r.read("mqtt_max_connections", out.mqtt_max_connections, 1u, 1000000u);
    r.read("mqtt_max_packet_size", out.mqtt_max_packet_size, 64u, 268435460u);
    r.read("mqtt_max_inflight", out.mqtt_max_inflight, std::uint16_t{1}, std::uint16_t{65535});
    r.read("mqtt_max_queued", out.mqtt_max_queued, 0u, 1000000u);
    r.read("mqtt_connect_timeout", out.mqtt_connect_timeout, std::chrono::milliseconds(100),
           std::chrono::milliseconds(3600000));
    r.read("mqtt_max_client_id_length", out.mqtt_max_client_id_length, std::uint16_t{23},
           std::uint16_t{65535});
    r.read("stuck_consumer_timeout", out.stuck_consumer_timeout, std::chrono::milliseconds(100),
           std::chrono::milliseconds(3600000));
    r.read("sys_interval", out.sys_interval, std::chrono::seconds(0), std::chrono::seconds(86400));
}

} // namespace snbridge::config
