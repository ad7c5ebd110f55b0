#include "gateway/topic_registry.hpp"

#include <utility>

namespace snbridge::gateway {

const std::string* topic_registry::name_of(std::uint16_t id) const noexcept {
    for (const auto& e : entries_) {
        if (e.id == id) {
            return &e.name;
        }
    }
    return nullptr;
}

topic_registry::entry* topic_registry::find(std::string_view name) noexcept {
    for (auto& e : entries_) {
        if (e.name == name) {
            return &e;
        }
    }
    return nullptr;
}

topic_registry::entry* topic_registry::find(std::uint16_t id) noexcept {
    for (auto& e : entries_) {
        if (e.id == id) {
            return &e;
        }
    }
    return nullptr;
}

topic_registry::entry* topic_registry::assign(std::string_view name, std::size_t max_topics) {
    if (auto* e = find(name)) {
        return e;
    }
    if (entries_.size() >= max_topics || entries_.size() >= 0xFFFDu) {
        return nullptr;
    }
    // Ids 0x0000 and 0xFFFF are reserved (§5.3.11); skip ids still in use after a wrap.
    for (;;) {
        const std::uint16_t id = next_id_;
        next_id_ = static_cast<std::uint16_t>(next_id_ == 0xFFFEu ? 1u : next_id_ + 1u);
        if (name_of(id) == nullptr) {
            entries_.push_back(entry{std::string(name), id, false, false});
            return &entries_.back();
        }
    }
}

void topic_registry::forget_known() noexcept {
    for (auto& e : entries_) {
        e.known_to_client = false;
    }
}

void topic_registry::clear_rejected() noexcept {
    for (auto& e : entries_) {
        e.rejected = false;
    }
}

void topic_registry::clear() noexcept {
    entries_.clear();
    next_id_ = 1;
}

void topic_registry::restore(entry e) {
    if (e.id >= next_id_) {
        next_id_ = static_cast<std::uint16_t>(e.id >= 0xFFFEu ? 1u : e.id + 1u);
    }
    entries_.push_back(std::move(e));
}

} // namespace snbridge::gateway
