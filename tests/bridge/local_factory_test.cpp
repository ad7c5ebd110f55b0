// bridge::make_mqtt_side in mode broker: the local side on a core built from config `broker:`.

#include <memory>

#include <doctest/doctest.h>

#include "bridge/local/local_mqtt_side.hpp"
#include "bridge/mqtt_side_factory.hpp"
#include "common/uv/loop.hpp"
#include "config/config.hpp"

using namespace snbridge;

namespace {

struct open_recorder final : common::mqtt_side_listener {
    std::vector<common::open_status> opens;
    void on_open(common::session_id, common::open_status s, bool) override { opens.push_back(s); }
    void on_message(common::session_id, const common::mqtt_message&) override {}
    void on_publish_done(common::session_id, std::uint32_t, bool) override {}
    void on_subscribe_done(common::session_id, std::uint32_t,
                           std::optional<std::uint8_t>) override {}
    void on_unsubscribe_done(common::session_id, std::uint32_t) override {}
    void on_session_lost(common::session_id) override {}
};

common::open_params params(std::string id) {
    common::open_params p;
    p.client_id = std::move(id);
    return p;
}

} // namespace

TEST_CASE("local factory: mode broker builds the local side on a core from config") {
    auto cfg = config::defaults();
    REQUIRE(cfg.mode == config::gateway_mode::broker);
    cfg.broker.max_sessions = 1;
    cfg.broker.max_topic_levels = 3;
    common::uv::loop loop;
    std::shared_ptr<bridge::local::broker_core> core;
    auto side = bridge::make_mqtt_side(cfg, loop, core);
    REQUIRE(side);
    REQUIRE(core);
    CHECK(dynamic_cast<bridge::local::local_mqtt_side*>(side->get()) != nullptr);
    CHECK(core->limits().max_sessions == 1);
    CHECK(core->limits().max_topic_levels == 3);
    CHECK(core->limits().max_queued_messages == cfg.broker.max_queued_messages);

    open_recorder l;
    (*side)->set_listener(l);
    (*side)->open(1, params("a"));
    (*side)->open(2, params("b"));
    CHECK(l.opens == std::vector{common::open_status::accepted, common::open_status::congestion});
    CHECK(core->session_count() == 1);

    // A core given in is used as is (main.cpp may create it first for the MQTT listener).
    auto shared = std::make_shared<bridge::local::broker_core>();
    auto other = bridge::make_mqtt_side(cfg, loop, shared);
    REQUIRE(other);
    CHECK(shared->limits().max_sessions == bridge::local::broker_limits{}.max_sessions);
    loop.shutdown();
}

TEST_CASE("local factory: config broker keys map onto broker_limits") {
    config::broker_section b;
    b.max_sessions = 11;
    b.max_subscriptions_per_client = 12;
    b.max_queued_messages = 13;
    b.max_retained_messages = 14;
    b.max_topic_levels = 15;
    const auto l = bridge::broker_limits_from(b);
    CHECK(l.max_sessions == 11);
    CHECK(l.max_subscriptions_per_client == 12);
    CHECK(l.max_queued_messages == 13);
    CHECK(l.max_retained_messages == 14);
    CHECK(l.max_topic_levels == 15);
    // The documented defaults agree between config and the core.
    const auto d = bridge::broker_limits_from(config::broker_section{});
    const bridge::local::broker_limits core_defaults;
    CHECK(d.max_sessions == core_defaults.max_sessions);
    CHECK(d.max_subscriptions_per_client == core_defaults.max_subscriptions_per_client);
    CHECK(d.max_queued_messages == core_defaults.max_queued_messages);
    CHECK(d.max_retained_messages == core_defaults.max_retained_messages);
    CHECK(d.max_topic_levels == core_defaults.max_topic_levels);
}
