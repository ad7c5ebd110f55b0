#include "bridge/local/mqtt_log.hpp"

#include <atomic>

#include "common/log.hpp"

namespace snbridge::bridge::local::mqtt_log {

namespace {

namespace mqtt = common::mqtt;
using common::log::cat;

std::atomic<bool> on{false};

/// Mosquitto: "(d0, q1, r0, m1, 'a/b', ... (2 bytes))".
std::string publish_fields(const mqtt::publish& p) {
    return cat("(d", p.dup ? 1 : 0, ", q", static_cast<int>(p.qos), ", r", p.retain ? 1 : 0, ", m",
               p.packet_id, ", '", p.topic, "', ... (", p.payload.size(), " bytes))");
}

} // namespace

void set_enabled(bool enable) noexcept {
    on.store(enable, std::memory_order_relaxed);
}

bool enabled() noexcept {
    return on.load(std::memory_order_relaxed);
}

std::vector<std::string> received_lines(std::string_view client, const mqtt::packet& p) {
    std::vector<std::string> out;
    std::visit(
        [&](const auto& pkt) {
            using T = std::decay_t<decltype(pkt)>;
            if constexpr (std::is_same_v<T, mqtt::publish>) {
                out.push_back(cat("Received PUBLISH from ", client, " ", publish_fields(pkt)));
            } else if constexpr (std::is_same_v<T, mqtt::puback>) {
                out.push_back(
                    cat("Received PUBACK from ", client, " (Mid: ", pkt.packet_id, ", RC:0)"));
            } else if constexpr (std::is_same_v<T, mqtt::pubrec>) {
                out.push_back(
                    cat("Received PUBREC from ", client, " (Mid: ", pkt.packet_id, ", RC:0)"));
            } else if constexpr (std::is_same_v<T, mqtt::pubrel>) {
                out.push_back(cat("Received PUBREL from ", client, " (Mid: ", pkt.packet_id, ")"));
            } else if constexpr (std::is_same_v<T, mqtt::pubcomp>) {
                out.push_back(
                    cat("Received PUBCOMP from ", client, " (Mid: ", pkt.packet_id, ", RC:0)"));
            } else if constexpr (std::is_same_v<T, mqtt::subscribe>) {
                out.push_back(cat("Received SUBSCRIBE from ", client));
                for (const auto& s : pkt.subscriptions) {
                    out.push_back(cat("\t", s.filter, " (QoS ", static_cast<int>(s.qos), ")"));
                }
            } else if constexpr (std::is_same_v<T, mqtt::unsubscribe>) {
                out.push_back(cat("Received UNSUBSCRIBE from ", client));
                for (const auto& f : pkt.filters) {
                    out.push_back(cat("\t", f));
                }
            } else if constexpr (std::is_same_v<T, mqtt::pingreq>) {
                out.push_back(cat("Received PINGREQ from ", client));
            } else if constexpr (std::is_same_v<T, mqtt::disconnect>) {
                out.push_back(cat("Received DISCONNECT from ", client));
            }
        },
        p);
    return out;
}

std::vector<std::string> sent_lines(std::string_view client, const mqtt::packet& p) {
    std::vector<std::string> out;
    std::visit(
        [&](const auto& pkt) {
            using T = std::decay_t<decltype(pkt)>;
            if constexpr (std::is_same_v<T, mqtt::connack>) {
                out.push_back(cat("Sending CONNACK to ", client, " (", pkt.session_present ? 1 : 0,
                                  ", ", static_cast<int>(pkt.rc), ")"));
            } else if constexpr (std::is_same_v<T, mqtt::publish>) {
                out.push_back(cat("Sending PUBLISH to ", client, " ", publish_fields(pkt)));
            } else if constexpr (std::is_same_v<T, mqtt::puback>) {
                out.push_back(cat("Sending PUBACK to ", client, " (m", pkt.packet_id, ", rc0)"));
            } else if constexpr (std::is_same_v<T, mqtt::pubrec>) {
                out.push_back(cat("Sending PUBREC to ", client, " (m", pkt.packet_id, ", rc0)"));
            } else if constexpr (std::is_same_v<T, mqtt::pubrel>) {
                out.push_back(cat("Sending PUBREL to ", client, " (m", pkt.packet_id, ")"));
            } else if constexpr (std::is_same_v<T, mqtt::pubcomp>) {
                out.push_back(cat("Sending PUBCOMP to ", client, " (m", pkt.packet_id, ")"));
            } else if constexpr (std::is_same_v<T, mqtt::suback>) {
                out.push_back(cat("Sending SUBACK to ", client));
            } else if constexpr (std::is_same_v<T, mqtt::unsuback>) {
                out.push_back(cat("Sending UNSUBACK to ", client));
            } else if constexpr (std::is_same_v<T, mqtt::pingresp>) {
                out.push_back(cat("Sending PINGRESP to ", client));
            }
        },
        p);
    return out;
}

void received(std::string_view client, const mqtt::packet& p) {
    if (enabled()) {
        for (const auto& line : received_lines(client, p)) {
            common::log::notice(line);
        }
    }
}

void sent(std::string_view client, const mqtt::packet& p) {
    if (enabled()) {
        for (const auto& line : sent_lines(client, p)) {
            common::log::notice(line);
        }
    }
}

} // namespace snbridge::bridge::local::mqtt_log
