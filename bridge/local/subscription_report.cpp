#include "bridge/local/subscription_report.hpp"

#include <algorithm>
#include <tuple>

#include "common/log.hpp"

namespace snbridge::bridge::local {

std::vector<std::string> subscription_report(const broker_core& broker) {
    auto entries = broker.subscriptions();
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        return std::tie(a.client_id, a.filter) < std::tie(b.client_id, b.filter);
    });
    std::vector<std::string> lines;
    lines.reserve(entries.size() + 1);
    lines.push_back(common::log::cat("Subscriptions: ", entries.size(), " (",
                                     broker.retained_count(), " retained message",
                                     broker.retained_count() == 1 ? "" : "s", ")."));
    for (const auto& e : entries) {
        lines.push_back(common::log::cat("Subscription ", e.client_id, ": ", e.filter, " (q",
                                         static_cast<unsigned>(e.qos), ", ",
                                         e.online ? "online" : "offline", ")."));
    }
    return lines;
}

} // namespace snbridge::bridge::local
