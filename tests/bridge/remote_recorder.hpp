#pragma once

// A recording mqtt_side_listener for the remote-mode tests, and a libuv loop around the side.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mqtt_side.hpp"

namespace snbridge::test {

struct recorder : common::mqtt_side_listener {
    struct open_event {
        common::session_id id;
        common::open_status status;
        bool session_present;
    };
    std::vector<open_event> opens;
    std::vector<std::pair<common::session_id, common::mqtt_message>> messages;
    std::map<std::uint32_t, bool> published;
    std::map<std::uint32_t, std::optional<std::uint8_t>> subscribed;
    std::vector<std::uint32_t> unsubscribed;
    std::vector<common::session_id> lost;

    void on_open(common::session_id id, common::open_status status, bool present) override {
        opens.push_back({id, status, present});
    }
    void on_message(common::session_id id, const common::mqtt_message& msg) override {
        messages.emplace_back(id, msg);
    }
    void on_publish_done(common::session_id, std::uint32_t token, bool ok) override {
        published[token] = ok;
    }
    void on_subscribe_done(common::session_id, std::uint32_t token,
                           std::optional<std::uint8_t> granted) override {
        subscribed[token] = granted;
    }
    void on_unsubscribe_done(common::session_id, std::uint32_t token) override {
        unsubscribed.push_back(token);
    }
    void on_session_lost(common::session_id id) override { lost.push_back(id); }

    [[nodiscard]] std::optional<open_event> open_of(common::session_id id) const {
        for (const auto& o : opens) {
            if (o.id == id) {
                return o;
            }
        }
        return std::nullopt;
    }
    [[nodiscard]] std::vector<common::mqtt_message> messages_of(common::session_id id) const {
        std::vector<common::mqtt_message> out;
        for (const auto& [sid, m] : messages) {
            if (sid == id) {
                out.push_back(m);
            }
        }
        return out;
    }
    [[nodiscard]] std::size_t count_topic(common::session_id id, const std::string& topic) const {
        std::size_t n = 0;
        for (const auto& [sid, m] : messages) {
            n += (sid == id && m.topic == topic) ? 1U : 0U;
        }
        return n;
    }
};

[[nodiscard]] inline common::mqtt_message text_message(std::string topic, std::string_view text,
                                                       std::uint8_t qos = 0, bool retain = false) {
    return common::mqtt_message{std::move(topic),
                                std::vector<std::uint8_t>(text.begin(), text.end()), qos, retain};
}

[[nodiscard]] inline std::string text_of(const common::mqtt_message& m) {
    return std::string(m.payload.begin(), m.payload.end());
}

} // namespace snbridge::test
