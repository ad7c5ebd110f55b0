#include "bridge/remote/bridge_topic_map.hpp"

#include <algorithm>
#include <utility>

#include "common/topic.hpp"

namespace snbridge::bridge::remote {

namespace {

bool carries_out(const bridge_rule& r) noexcept {
    return r.direction != config::bridge_direction::in;
}

bool carries_in(const bridge_rule& r) noexcept {
    return r.direction != config::bridge_direction::out;
}

/// `topic` = from_prefix + T with T matching the pattern -> to_prefix + T.
std::optional<std::string> remap(std::string_view topic, std::string_view from_prefix,
                                 std::string_view pattern, std::string_view to_prefix) {
    if (!topic.starts_with(from_prefix)) {
        return std::nullopt;
    }
    const auto rest = topic.substr(from_prefix.size());
    if (rest.empty() || !common::topic::matches(pattern, rest)) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(to_prefix.size() + rest.size());
    out.append(to_prefix).append(rest);
    return out;
}

void add_filter(std::vector<std::pair<std::string, std::uint8_t>>& out, std::string filter,
                std::uint8_t qos) {
    const auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& f) { return f.first == filter; });
    if (it == out.end()) {
        out.emplace_back(std::move(filter), qos);
    } else {
        it->second = std::max(it->second, qos);
    }
}

} // namespace

bridge_topic_map::bridge_topic_map(std::optional<std::vector<bridge_rule>> rules)
    : rules_(std::move(rules)) {}

std::vector<std::pair<std::string, std::uint8_t>> bridge_topic_map::local_filters() const {
    std::vector<std::pair<std::string, std::uint8_t>> out;
    if (!rules_) {
        out.emplace_back("#", 2); // every topic, at the QoS it was published with
        return out;
    }
    for (const auto& r : *rules_) {
        if (carries_out(r)) {
            add_filter(out, r.local_prefix + r.pattern, r.qos);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::uint8_t>> bridge_topic_map::remote_filters() const {
    std::vector<std::pair<std::string, std::uint8_t>> out;
    if (rules_) {
        for (const auto& r : *rules_) {
            if (carries_in(r)) {
                add_filter(out, r.remote_prefix + r.pattern, r.qos);
            }
        }
    }
    return out;
}

std::optional<mapped_topic> bridge_topic_map::to_remote(std::string_view local) const {
    return map(local, &carries_out, &bridge_rule::local_prefix, &bridge_rule::remote_prefix);
}

std::optional<mapped_topic> bridge_topic_map::to_local(std::string_view remote) const {
    return map(remote, &carries_in, &bridge_rule::remote_prefix, &bridge_rule::local_prefix);
}

std::optional<mapped_topic> bridge_topic_map::map(std::string_view topic,
                                                  bool (*carries)(const bridge_rule&) noexcept,
                                                  std::string bridge_rule::*from,
                                                  std::string bridge_rule::*to) const {
    if (!rules_) {
        return mapped_topic{std::string(topic), 2};
    }
    for (const auto& r : *rules_) {
        if (carries(r)) {
            if (auto t = remap(topic, r.*from, r.pattern, r.*to)) {
                return mapped_topic{std::move(*t), r.qos};
            }
        }
    }
    return std::nullopt;
}

} // namespace snbridge::bridge::remote
