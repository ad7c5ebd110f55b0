#include "bridge/remote/echo_filter.hpp"

#include <functional>

namespace snbridge::bridge::remote {

std::string echo_filter::key_of(std::string_view topic, std::span<const std::uint8_t> payload) {
    const std::string_view bytes(reinterpret_cast<const char*>(payload.data()), payload.size());
    const auto hash = std::hash<std::string_view>{}(bytes);
    std::string key(topic);
    key.push_back('\0'); // not in a topic name (MQTT 3.1.1 §4.7.3)
    key.append(std::to_string(payload.size())).push_back(':');
    key.append(std::to_string(hash));
    return key;
}

void echo_filter::expect(std::string_view topic, std::span<const std::uint8_t> payload) {
    if (capacity_ == 0) {
        return;
    }
    auto key = key_of(topic, payload);
    auto [it, fresh] = records_.try_emplace(key);
    ++it->second.expected;
    if (!fresh) {
        return;
    }
    order_.push_back(std::move(key));
    while (records_.size() > capacity_ && !order_.empty()) {
        records_.erase(order_.front());
        order_.pop_front();
    }
}

bool echo_filter::is_echo(std::string_view topic, std::span<const std::uint8_t> payload,
                          clock::time_point now) {
    if (records_.empty()) {
        return false;
    }
    const auto it = records_.find(key_of(topic, payload));
    if (it == records_.end()) {
        return false;
    }
    auto& r = it->second;
    if (r.expected > 0) {
        if (--r.expected == 0) {
            r.linger_until = now + linger_;
        }
        return true;
    }
    // A further copy (overlapping subscriptions upstream) while it lingers. A spent record
    // stays until the bound evicts it, so that order_ and records_ hold the same keys.
    return now < r.linger_until;
}

} // namespace snbridge::bridge::remote
