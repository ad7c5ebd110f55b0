#pragma once

// Retained messages of the built-in broker (MQTT 3.1.1 §3.3.1.3), kept in a tree by topic
// level so that a SUBSCRIBE walks only the branches its filter can match instead of scanning
// every retained message.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "bridge/local/topic_levels.hpp"
#include "common/mqtt_side.hpp"

namespace snbridge::bridge::local {

/// A message as the broker shares it between subscribers: immutable, reference-counted.
using message_ptr = std::shared_ptr<const common::mqtt_message>;

/// Topic name -> last retained message. Bounded by a message count. Loop thread only.
class retained_store {
public:
    enum class set_result : std::uint8_t {
        stored,   ///< a new topic now holds a retained message
        replaced, ///< the topic's retained message was replaced
        cleared,  ///< an empty payload removed the topic's retained message
        absent,   ///< an empty payload for a topic that held none: nothing to do
        full,     ///< a new topic, but the store is at its bound: not stored
    };

    /// `max_messages`: at most this many topics hold a retained message.
    explicit retained_store(std::size_t max_messages) noexcept
        : max_messages_(max_messages) {}

    /// Stores `msg` (its retain flag should be set) under `topic`, or clears the topic if its
    /// payload is empty (MQTT 3.1.1 §3.3.1.3). `topic` must be a valid topic name.
    set_result set(std::string_view topic, message_ptr msg);

    /// Calls fn(const message_ptr&) for every retained message whose topic matches `filter`
    /// (a valid filter). MQTT 3.1.1 §4.7.2: '$' topics do not match a leading '+' or '#'.
    template <class Fn>
    void match(std::string_view filter, Fn&& fn) const {
        match_node(root_, level_cursor(filter), true, fn);
    }

    /// Calls fn(const message_ptr&) for every retained message, '$' topics included.
    template <class Fn>
    void for_each(Fn&& fn) const {
        visit_below(root_, false, fn);
    }

    [[nodiscard]] std::size_t size() const noexcept { return count_; }

private:
    struct node {
        node* parent = nullptr;
        std::string level;
        std::unordered_map<std::string, std::unique_ptr<node>, string_hash, std::equal_to<>>
            children;
        message_ptr msg;
    };

    template <class Fn>
    static void match_node(const node& n, level_cursor cursor, bool root, Fn& fn) {
        if (cursor.done) {
            if (n.msg) {
                fn(n.msg);
            }
            return;
        }
        const auto level = cursor.next();
        if (level == "#") {
            // MQTT 3.1.1 §4.7.1.2: "a/#" also matches "a" itself.
            if (n.msg && !root) {
                fn(n.msg);
            }
            visit_below(n, root, fn);
            return;
        }
        if (level == "+") {
            for (const auto& [name, child] : n.children) {
                if (!(root && !name.empty() && name.front() == '$')) {
                    match_node(*child, cursor, false, fn);
                }
            }
            return;
        }
        if (const auto it = n.children.find(level); it != n.children.end()) {
            match_node(*it->second, cursor, false, fn);
        }
    }

    template <class Fn>
    static void visit_below(const node& n, bool root, Fn& fn) {
        for (const auto& [name, child] : n.children) {
            if (root && !name.empty() && name.front() == '$') {
                continue;
            }
            if (child->msg) {
                fn(child->msg);
            }
            visit_below(*child, false, fn);
        }
    }

    std::size_t max_messages_;
    std::size_t count_ = 0;
    node root_;
};

} // namespace snbridge::bridge::local
