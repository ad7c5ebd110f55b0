#pragma once

// $SYS on the built-in broker (docs/monitoring.md), after Mosquitto's sys_tree: every
// `broker.sys_interval` the figures of the metrics registry go out as retained QoS 0 messages
// under Mosquitto's names where the meaning is the same ($SYS/broker/version, uptime,
// clients/connected, messages/received, ...) and under $SYS/broker/mqttsn/ for the gateway's
// own; plus one retained JSON status per MQTT-SN client, set by the gateway when the client
// changes and cleared when its session ends. A value is published only when it changed.
// Loop thread only.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "bridge/local/broker_core.hpp"
#include "common/metrics/registry.hpp"
#include "common/uv/loop.hpp"
#include "common/uv/timer.hpp"

namespace snbridge::bridge::local {

class sys_tree {
public:
    /// Where the per-client status goes: `$SYS/broker/mqttsn/clients/` + the ClientId with
    /// '/', '+', '#' and '%' percent-encoded (a ClientId is one topic level).
    static constexpr std::string_view clients_prefix = "$SYS/broker/mqttsn/clients/";

    /// `interval` zero: no periodic figures (the client statuses still go out). `core` and
    /// `metrics` must outlive the tree; `version` is the text of $SYS/broker/version.
    sys_tree(common::uv::loop& loop, std::shared_ptr<broker_core> core,
             const common::metrics::registry& metrics, std::chrono::seconds interval,
             std::string version);
    ~sys_tree();
    sys_tree(const sys_tree&) = delete;
    sys_tree& operator=(const sys_tree&) = delete;

    /// Publishes the figures now (and then every interval).
    void start();
    void stop() noexcept;
    /// One figure pass: publishes what changed since the last one.
    void publish_figures();
    /// The retained status of `client_id` (nullopt: cleared, the session ended).
    void set_client_status(std::string_view client_id, const std::optional<std::string>& json);

    /// The topic of a client's status.
    [[nodiscard]] static std::string client_topic(std::string_view client_id);

private:
    void put(const std::string& topic, std::string value);

    common::uv::loop& loop_;
    std::shared_ptr<broker_core> core_;
    const common::metrics::registry& metrics_;
    std::chrono::seconds interval_;
    std::string version_;
    std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::unique_ptr<common::uv::timer> timer_;
    /// What was published last per topic (figures only), to skip unchanged values.
    std::map<std::string, std::string, std::less<>> last_;
};

} // namespace snbridge::bridge::local
