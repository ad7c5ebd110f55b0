#pragma once

// Picks the MQTT side every gateway session gets, from config `mode:` (docs/architecture.md
// "Layers"). main.cpp calls make_mqtt_side() once at start-up.

#include <memory>

#include "bridge/local/broker_core.hpp"
#include "common/mqtt_side.hpp"
#include "common/result.hpp"
#include "common/uv/loop.hpp"
#include "config/config.hpp"

namespace snbridge::bridge {

/// The broker core's bounds from config `broker:`.
[[nodiscard]] local::broker_limits broker_limits_from(const config::broker_section& broker);

/// Builds the MQTT side for `cfg.mode`. Start-up only, on the loop thread.
/// - broker (default): a local::local_mqtt_side on the built-in broker. `broker` is in/out: if
///   null it is created from cfg.broker and stored there, so that main.cpp can attach the
///   MQTT/TCP listener (local::mqtt_listener) and persistence to the same core; the side
///   keeps a reference.
/// - aggregating: the same broker (created the same way) plus remote::upstream_bridge, one
///   Paho connection on `loop` (remote::aggregating_side).
/// - transparent: one Paho connection per session (remote::transparent_side); `broker` unused.
/// `metrics` (optional): the broker it creates and the side count there (docs/monitoring.md).
/// Errors (bad upstream settings...) come back as a message for the start-up log.
[[nodiscard]] common::result<std::unique_ptr<common::mqtt_side>>
make_mqtt_side(const config::config& cfg, common::uv::loop& loop,
               std::shared_ptr<local::broker_core>& broker,
               common::metrics::registry* metrics = nullptr);

/// SIGHUP (issue 13 point 4): gives `side` (made by make_mqtt_side for `cfg.mode`) the
/// upstream credentials and TLS files of `cfg`; they apply at the next (re)connects. Nothing
/// for mode broker.
void reload_upstream_credentials(common::mqtt_side& side, const config::config& cfg);

} // namespace snbridge::bridge
