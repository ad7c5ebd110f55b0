#include "gateway/discovery.hpp"

#include <algorithm>

namespace snbridge::gateway::discovery {

namespace mqttsn = common::mqttsn;

namespace {
/// How often an unreachable server is looked at again for the next ADVERTISE.
constexpr std::chrono::milliseconds offline_recheck{5000};
} // namespace

std::chrono::milliseconds advertise_if_connected(core_context& cx) {
    const std::chrono::milliseconds interval =
        std::chrono::seconds(cx.settings.advertise_interval_s);
    if (!cx.side.server_connected()) {
        // §6.1: "only ... if it is connected to a server"; look again soon.
        return std::min(interval, offline_recheck);
    }
    const auto duration = static_cast<std::uint16_t>(
        std::min<std::uint32_t>(cx.settings.advertise_interval_s, 0xFFFF));
    cx.out.multicast(mqttsn::advertise{cx.settings.gateway_id, duration}, 0);
    return interval;
}

void on_searchgw(core_context& cx, const endpoint& from, const mqttsn::searchgw& g) {
    if (!cx.side.server_connected()) {
        return; // §6.1: a gateway without its server does not offer itself
    }
    const mqttsn::packet info{mqttsn::gwinfo{cx.settings.gateway_id, {}}};
    if (from.via_forwarder) {
        cx.reply(from, info, g.radius); // the forwarder broadcasts it on its side (§5.5)
        return;
    }
    cx.out.multicast(info, g.radius);
    if (cx.settings.gwinfo_unicast) {
        cx.reply(from, info);
    }
}

} // namespace snbridge::gateway::discovery
