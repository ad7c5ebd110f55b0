#include "bridge/remote/subscription_table.hpp"

#include <algorithm>

#include "common/topic.hpp"

namespace snbridge::bridge::remote {

subscription_table::upstream_change
subscription_table::add(const std::string& member, const std::string& filter, std::uint8_t qos) {
    auto [it, is_new] = filters_.try_emplace(filter);
    auto& entry = it->second;
    entry.members[member].qos = qos;
    if (is_new) {
        entry.upstream_qos = qos;
        return {upstream_change::kind::subscribe, qos};
    }
    if (qos > entry.upstream_qos) {
        entry.upstream_qos = qos;
        return {upstream_change::kind::subscribe, qos};
    }
    return {upstream_change::kind::none, entry.upstream_qos};
}

subscription_table::upstream_change subscription_table::remove(const std::string& member,
                                                               const std::string& filter) {
    auto it = filters_.find(filter);
    if (it == filters_.end() || it->second.members.erase(member) == 0) {
        return {};
    }
    if (it->second.members.empty()) {
        filters_.erase(it);
        return {upstream_change::kind::unsubscribe, 0};
    }
    return {};
}

std::vector<std::string> subscription_table::remove_member(const std::string& member) {
    std::vector<std::string> gone;
    for (auto it = filters_.begin(); it != filters_.end();) {
        if (it->second.members.erase(member) != 0 && it->second.members.empty()) {
            gone.push_back(it->first);
            it = filters_.erase(it);
        } else {
            ++it;
        }
    }
    return gone;
}

void subscription_table::set_retained_target(const std::string& member, const std::string& filter) {
    retained_target_.emplace(member, filter);
}

std::vector<subscription_table::delivery>
subscription_table::route(std::string_view topic, std::uint8_t qos, bool retained) const {
    if (retained) {
        if (!retained_target_) {
            return {};
        }
        const auto& [member, filter] = *retained_target_;
        auto f = filters_.find(filter);
        if (f == filters_.end() || !common::topic::matches(filter, topic)) {
            return {};
        }
        auto m = f->second.members.find(member);
        if (m == f->second.members.end()) {
            return {};
        }
        return {delivery{member, std::min(qos, m->second.qos)}};
    }
    // member -> highest matching subscription QoS; a member gets the message once even when
    // several of its filters match (MQTT 3.1.1 §3.3.5 allows either; once is what devices
    // expect).
    std::map<std::string_view, std::uint8_t> best;
    for (const auto& [filter, entry] : filters_) {
        if (!common::topic::matches(filter, topic)) {
            continue;
        }
        for (const auto& [member, m] : entry.members) {
            auto [it, inserted] = best.try_emplace(member, m.qos);
            if (!inserted) {
                it->second = std::max(it->second, m.qos);
            }
        }
    }
    std::vector<delivery> out;
    out.reserve(best.size());
    for (const auto& [member, sub_qos] : best) {
        out.push_back(delivery{std::string(member), std::min(qos, sub_qos)});
    }
    return out;
}

std::optional<std::uint8_t> subscription_table::upstream_qos(const std::string& filter) const {
    auto it = filters_.find(filter);
    if (it == filters_.end()) {
        return std::nullopt;
    }
    return it->second.upstream_qos;
}

bool subscription_table::any_match(std::string_view topic) const {
    return std::any_of(filters_.begin(), filters_.end(),
                       [&](const auto& f) { return common::topic::matches(f.first, topic); });
}

std::size_t subscription_table::refcount(const std::string& filter) const {
    auto it = filters_.find(filter);
    return it == filters_.end() ? 0 : it->second.members.size();
}

std::vector<std::pair<std::string, std::uint8_t>> subscription_table::filters() const {
    std::vector<std::pair<std::string, std::uint8_t>> out;
    out.reserve(filters_.size());
    for (const auto& [filter, entry] : filters_) {
        out.emplace_back(filter, entry.upstream_qos);
    }
    return out;
}

std::map<std::string, std::uint8_t>
subscription_table::filters_of(const std::string& member) const {
    std::map<std::string, std::uint8_t> out;
    for (const auto& [filter, entry] : filters_) {
        if (auto m = entry.members.find(member); m != entry.members.end()) {
            out.emplace(filter, m->second.qos);
        }
    }
    return out;
}

} // namespace snbridge::bridge::remote
