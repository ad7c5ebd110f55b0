#pragma once

// The built-in broker's subscription index: a tree with one node per filter level. '+' and '#'
// have their own child slots, so matching a topic name walks at most three branches per level
// and never scans unrelated subscriptions. Header-only because it is a template over the
// subscriber key (the broker uses a session pointer; tests use plain ints).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bridge/local/topic_levels.hpp"

namespace snbridge::bridge::local {

/// Topic filter -> (key, granted QoS) index. Filters must be valid (common::topic::
/// valid_filter); topic names passed to match() must be valid (common::topic::valid_name).
/// Both bound the levels, and so the recursion depth here. Not thread-safe: loop thread only,
/// like the whole broker core.
template <class Key>
class subscription_tree {
public:
    /// Adds `key`'s subscription to `filter`, or replaces its QoS if it already has one
    /// (MQTT 3.1.1 §3.8.4). Returns true if the subscription is new.
    bool insert(std::string_view filter, Key key, std::uint8_t qos) {
        node* n = &root_;
        level_cursor cursor(filter);
        while (!cursor.done) {
            n = &n->child_for(cursor.next());
        }
        for (auto& e : n->entries) {
            if (e.key == key) {
                e.qos = qos;
                return false;
            }
        }
        n->entries.push_back(entry{key, qos});
        ++size_;
        return true;
    }

    /// Removes `key`'s subscription to `filter`; prunes branches left empty. Returns true if it
    /// existed.
    bool erase(std::string_view filter, Key key) {
        node* n = &root_;
        level_cursor cursor(filter);
        while (!cursor.done) {
            n = n->find_child(cursor.next());
            if (n == nullptr) {
                return false;
            }
        }
        const auto it = std::find_if(n->entries.begin(), n->entries.end(),
                                     [&](const entry& e) { return e.key == key; });
        if (it == n->entries.end()) {
            return false;
        }
        n->entries.erase(it);
        --size_;
        while (n != &root_ && n->unused()) {
            node* parent = n->parent;
            parent->remove_child(n); // destroys n
            n = parent;
        }
        return true;
    }

    /// Calls fn(key, granted_qos) for every subscription whose filter matches `topic`. A key
    /// subscribed with several matching filters is reported once per filter (the caller
    /// merges). MQTT 3.1.1 §4.7.2: a topic starting with '$' is not matched by a filter that
    /// starts with '+' or '#'.
    template <class Fn>
    void match(std::string_view topic, Fn&& fn) const {
        const bool dollar = !topic.empty() && topic.front() == '$';
        match_node(root_, level_cursor(topic), true, dollar, fn);
    }

    /// Number of (filter, key) subscriptions.
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// True when no node but the root is left (every branch was pruned).
    [[nodiscard]] bool pruned() const noexcept { return root_.unused(); }

private:
    struct entry {
        Key key;
        std::uint8_t qos;
    };

    struct node {
        node* parent = nullptr;
        std::string level;
        std::unordered_map<std::string, std::unique_ptr<node>, string_hash, std::equal_to<>>
            children;
        std::unique_ptr<node> plus;
        std::unique_ptr<node> hash;
        std::vector<entry> entries;

        [[nodiscard]] bool unused() const noexcept {
            return entries.empty() && children.empty() && !plus && !hash;
        }

        node& child_for(std::string_view l) {
            std::unique_ptr<node>* slot = nullptr;
            if (l == "+") {
                slot = &plus;
            } else if (l == "#") {
                slot = &hash;
            } else {
                auto it = children.find(l);
                if (it == children.end()) {
                    it = children.emplace(std::string(l), nullptr).first;
                }
                slot = &it->second;
            }
            if (!*slot) {
                *slot = std::make_unique<node>();
                (*slot)->parent = this;
                (*slot)->level = std::string(l);
            }
            return **slot;
        }

        [[nodiscard]] node* find_child(std::string_view l) const {
            if (l == "+") {
                return plus.get();
            }
            if (l == "#") {
                return hash.get();
            }
            const auto it = children.find(l);
            return it == children.end() ? nullptr : it->second.get();
        }

        void remove_child(const node* child) {
            if (plus.get() == child) {
                plus.reset();
            } else if (hash.get() == child) {
                hash.reset();
            } else {
                // find + check, not erase(key): the key lives inside the node being erased.
                const auto it = children.find(child->level);
                if (it != children.end()) {
                    children.erase(it);
                }
            }
        }
    };

    template <class Fn>
    static void match_node(const node& n, level_cursor cursor, bool root, bool dollar, Fn& fn) {
        const bool wildcards = !(root && dollar);
        // MQTT 3.1.1 §4.7.1.2: '#' also matches the parent level ("a/#" matches "a").
        if (n.hash && wildcards) {
            for (const auto& e : n.hash->entries) {
                fn(e.key, e.qos);
            }
        }
        if (cursor.done) {
            for (const auto& e : n.entries) {
                fn(e.key, e.qos);
            }
            return;
        }
        const auto level = cursor.next();
        if (n.plus && wildcards) {
            match_node(*n.plus, cursor, false, dollar, fn);
        }
        if (const auto it = n.children.find(level); it != n.children.end()) {
            match_node(*it->second, cursor, false, dollar, fn);
        }
    }

    node root_;
    std::size_t size_ = 0;
};

} // namespace snbridge::bridge::local
