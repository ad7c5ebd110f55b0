#include "bridge/remote/upstream_options.hpp"

namespace snbridge::bridge::remote {

namespace {

std::optional<std::string> non_empty(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

} // namespace

void take_credentials(upstream_options& to, const upstream_options& from) {
    to.auth = from.auth;
    to.client_credentials = from.client_credentials;
    to.tls = from.tls;
}

common::mqtt_message availability_message(const std::string& topic, bool online) {
    const std::string_view text = online ? "online" : "offline";
    common::mqtt_message m;
    m.topic = topic;
    m.payload.assign(text.begin(), text.end());
    m.qos = 1;
    m.retain = true;
    return m;
}

upstream_options options_from(const config::upstream_section& cfg, std::string_view gateway_name) {
    upstream_options o;
    if (cfg.availability) {
        o.availability_topic = cfg.availability_topic.empty()
                                   ? std::string(gateway_name) + "/bridge/state"
                                   : cfg.availability_topic;
    }
    o.uri = cfg.uri;
    o.client_id = cfg.client_id;
    o.client_id_prefix = cfg.client_id_prefix;
    o.auth = credentials{non_empty(cfg.username), non_empty(cfg.password)};
    for (const auto& c : cfg.credentials) {
        o.client_credentials.insert_or_assign(
            c.client_id, credentials{non_empty(c.username), non_empty(c.password)});
    }
    o.tls =
        tls_options{cfg.tls.ca_file, cfg.tls.cert_file, cfg.tls.key_file, cfg.tls.verify_hostname};
    o.keep_alive = cfg.keep_alive;
    o.connect_timeout = cfg.connect_timeout;
    o.reconnect_min = cfg.reconnect_min;
    o.reconnect_max = cfg.reconnect_max;
    o.buffer = buffer_options{
        static_cast<int>(std::min<std::uint32_t>(cfg.buffer.max_messages, 0x7FFFFFFF)),
        cfg.buffer.persistence_dir, cfg.buffer.delete_oldest};
    o.mqtt_version = cfg.protocol == config::mqtt_version::v5 ? 5 : 4;
    o.clean_session = cfg.clean_session;
    o.offline_queue_max = cfg.offline_queue_max;
    o.max_unconfirmed = cfg.max_unconfirmed;
    o.max_unconfirmed_total = cfg.max_unconfirmed_total;
    return o;
}

} // namespace snbridge::bridge::remote
