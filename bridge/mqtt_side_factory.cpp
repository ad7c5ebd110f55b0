#include "bridge/mqtt_side_factory.hpp"

#include <string>

#include "bridge/local/local_mqtt_side.hpp"
#include "bridge/remote/aggregating_side.hpp"
#include "bridge/remote/transparent_side.hpp"

namespace snbridge::bridge {

local::broker_limits broker_limits_from(const config::broker_section& broker) {
    return local::broker_limits{
        .max_sessions = broker.max_sessions,
        .max_subscriptions_per_client = broker.max_subscriptions_per_client,
        .max_queued_messages = broker.max_queued_messages,
        .max_retained_messages = broker.max_retained_messages,
        .max_topic_levels = broker.max_topic_levels,
    };
}

namespace {

common::result<std::unique_ptr<common::mqtt_side>>
make_side(const config::config& cfg, common::uv::loop& loop,
          std::shared_ptr<local::broker_core>& broker) {
    switch (cfg.mode) {
    case config::gateway_mode::broker:
        return std::make_unique<local::local_mqtt_side>(broker);
    case config::gateway_mode::transparent: {
        auto side = remote::transparent_side::create(
            loop, remote::options_from(cfg.upstream, cfg.gateway.name));
        if (!side) {
            return common::fail(side.error());
        }
        return std::unique_ptr<common::mqtt_side>(std::move(*side));
    }
    case config::gateway_mode::aggregating: {
        auto side = remote::aggregating_side::create(
            loop, remote::options_from(cfg.upstream, cfg.gateway.name), broker,
            cfg.upstream.topics);
        if (!side) {
            return common::fail(side.error());
        }
        return std::unique_ptr<common::mqtt_side>(std::move(*side));
    }
    }
    return common::fail(common::error{"mode " + std::string(config::to_string(cfg.mode)) +
                                      " is not available in this build yet"});
}

} // namespace

common::result<std::unique_ptr<common::mqtt_side>>
make_mqtt_side(const config::config& cfg, common::uv::loop& loop,
               std::shared_ptr<local::broker_core>& broker, common::metrics::registry* metrics) {
    // broker and aggregating: the sessions are clients of the built-in broker.
    if (cfg.mode != config::gateway_mode::transparent && !broker) {
        broker = std::make_shared<local::broker_core>(broker_limits_from(cfg.broker));
        if (metrics != nullptr) {
            broker->attach_metrics(*metrics);
        }
    }
    auto side = make_side(cfg, loop, broker);
    if (side && metrics != nullptr) {
        (*side)->attach_metrics(*metrics);
    }
    return side;
}

void reload_upstream_credentials(common::mqtt_side& side, const config::config& cfg) {
    const auto next = remote::options_from(cfg.upstream, cfg.gateway.name);
    if (auto* t = dynamic_cast<remote::transparent_side*>(&side)) {
        t->reload_credentials(next);
    } else if (auto* a = dynamic_cast<remote::aggregating_side*>(&side)) {
        a->reload_credentials(next);
    }
}

} // namespace snbridge::bridge
