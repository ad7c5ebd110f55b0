#include "gateway/core_settings.hpp"

#include <algorithm>
#include <chrono>

#include "config/config.hpp"

namespace snbridge::gateway {

core_settings settings_from(const config::config& c) {
    core_settings s;
    s.gateway_id = c.gateway.id;
    const auto& m = c.mqttsn;
    s.retry_interval = m.retry_interval;
    s.retry_count = m.retry_count;
    s.advertise_interval_s = static_cast<std::uint32_t>(m.advertise_interval.count());
    s.gwinfo_unicast = m.gwinfo_unicast;
    s.connect_timeout = m.connect_timeout;
    s.max_clients = m.max_clients;
    s.max_client_id_length = m.max_client_id_length;
    s.max_topics_per_client = m.max_topics_per_client;
    s.max_queued_messages = m.max_queued_messages;
    s.sleep_buffer_size = m.sleep_buffer_size;
    s.max_pending_from_client = m.max_pending_from_client;
    // Read in every mode, not only `broker`: a topic the broker would refuse must be refused
    // at REGISTER/SUBSCRIBE (REGACK/SUBACK with a rejection code), not accepted there and then
    // answered with PUBACK 0x01 on every PUBLISH to it.
    s.topic_limits.max_levels = c.broker.max_topic_levels;
    for (const auto& p : c.topics.predefined) {
        if (p.client_id.empty()) {
            s.predefined.push_back(predefined_topic{p.id, p.name});
            continue;
        }
        auto it = std::find_if(s.client_predefined.begin(), s.client_predefined.end(),
                               [&](const auto& cp) { return cp.client_id == p.client_id; });
        if (it == s.client_predefined.end()) {
            s.client_predefined.push_back(client_predefined_topics{p.client_id, {}});
            it = std::prev(s.client_predefined.end());
        }
        it->topics.push_back(predefined_topic{p.id, p.name});
    }
    s.qos_minus_one_senders = c.clients.qos_minus_one.senders;
    s.qos_minus_one_topics = c.clients.qos_minus_one.topics;
    s.access = config::access_control_of(c.clients, c.mqttsn.dtls);
    return s;
}

} // namespace snbridge::gateway
