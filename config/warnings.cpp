#include "config/warnings.hpp"

#include <algorithm>

namespace snbridge::config {

namespace {

bool loopback(const common::net_address& a) noexcept {
    if (a.fam == common::net_address::family::v4) {
        return a.ip[0] == 127;
    }
    return std::all_of(a.ip.begin(), a.ip.begin() + 15, [](std::uint8_t b) { return b == 0; }) &&
           a.ip[15] == 1;
}

/// The addresses of `list` that are not loopback, as "a, b".
std::string exposed(const std::vector<common::net_address>& list) {
    std::string out;
    for (const auto& a : list) {
        if (!loopback(a)) {
            out += (out.empty() ? "" : ", ") + a.to_string();
        }
    }
    return out;
}

} // namespace

std::vector<std::string> exposure_warnings(const config& cfg) {
    std::vector<std::string> out;
    if (const auto where = exposed(cfg.mqttsn.listen);
        !where.empty() && cfg.clients.allowed_client_ids.empty() && cfg.clients.acl.empty()) {
        out.push_back("MQTT-SN on " + where +
                      " takes any device with any ClientId on any topic (MQTT-SN has no "
                      "passwords): set clients.allowed_client_ids and clients.acl, or listen on "
                      "a trusted network only (docs/security.md)");
    }
    const bool has_broker = cfg.mode != gateway_mode::transparent;
    if (const auto where = exposed(cfg.broker.mqtt_listen);
        has_broker && !where.empty() && cfg.broker.mqtt_allow_anonymous) {
        out.push_back("the MQTT listener on " + where +
                      " accepts clients without a user name: set broker.mqtt_allow_anonymous: "
                      "false with broker.mqtt_users or broker.mqtt_password_file "
                      "(docs/security.md)");
    }
    if (const auto where = exposed(cfg.http.listen); !where.empty()) {
        out.push_back("the HTTP listener on " + where +
                      " shows every sensor and counter to anyone (it has no authentication): "
                      "bind http.listen to 127.0.0.1 or a management network");
    }
    return out;
}

} // namespace snbridge::config
