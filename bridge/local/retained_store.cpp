#include "bridge/local/retained_store.hpp"

#include <utility>

namespace snbridge::bridge::local {

retained_store::set_result retained_store::set(std::string_view topic, message_ptr msg) {
    const bool clear = !msg || msg->payload.empty();
    node* n = &root_;
    level_cursor cursor(topic);
    while (!cursor.done) {
        const auto level = cursor.next();
        auto it = n->children.find(level);
        if (it == n->children.end()) {
            if (clear) {
                return set_result::absent;
            }
            if (count_ >= max_messages_) {
                return set_result::full;
            }
            auto child = std::make_unique<node>();
            child->parent = n;
            child->level = std::string(level);
            it = n->children.emplace(child->level, std::move(child)).first;
        }
        n = it->second.get();
    }
    if (clear) {
        if (!n->msg) {
            return set_result::absent;
        }
        n->msg.reset();
        --count_;
        // Prune the branch back to the nearest node still in use.
        while (n != &root_ && !n->msg && n->children.empty()) {
            node* parent = n->parent;
            parent->children.erase(parent->children.find(n->level)); // destroys n
            n = parent;
        }
        return set_result::cleared;
    }
    if (n->msg) {
        n->msg = std::move(msg);
        return set_result::replaced;
    }
    if (count_ >= max_messages_) {
        // The path existed only as an inner node; leave it as it was.
        return set_result::full;
    }
    n->msg = std::move(msg);
    ++count_;
    return set_result::stored;
}

} // namespace snbridge::bridge::local
