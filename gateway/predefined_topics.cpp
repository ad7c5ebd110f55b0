#include "gateway/predefined_topics.hpp"

namespace snbridge::gateway {

predefined_topics::predefined_topics(const std::vector<predefined_topic>& global,
                                     const std::vector<client_predefined_topics>& per_client) {
    for (const auto& p : global) {
        add(global_, p);
    }
    for (const auto& c : per_client) {
        auto& t = per_client_[c.client_id];
        for (const auto& p : c.topics) {
            add(t, p);
        }
    }
}

void predefined_topics::add(table& t, const predefined_topic& p) {
    t.by_id[p.id] = p.name;
    t.by_name.emplace(p.name, p.id);
}

const predefined_topics::table*
predefined_topics::client_table(std::string_view client_id) const noexcept {
    if (client_id.empty() || per_client_.empty()) {
        return nullptr;
    }
    const auto it = per_client_.find(client_id);
    return it == per_client_.end() ? nullptr : &it->second;
}

const std::string* predefined_topics::name_of(std::string_view client_id,
                                              std::uint16_t id) const noexcept {
    if (const auto* t = client_table(client_id)) {
        if (const auto it = t->by_id.find(id); it != t->by_id.end()) {
            return &it->second;
        }
    }
    const auto it = global_.by_id.find(id);
    return it == global_.by_id.end() ? nullptr : &it->second;
}

std::optional<std::uint16_t> predefined_topics::id_of(std::string_view client_id,
                                                      std::string_view name) const noexcept {
    if (global_.by_name.empty() && per_client_.empty()) {
        return std::nullopt;
    }
    if (const auto* t = client_table(client_id)) {
        if (const auto it = t->by_name.find(name); it != t->by_name.end()) {
            return it->second;
        }
    }
    const auto it = global_.by_name.find(name);
    if (it == global_.by_name.end()) {
        return std::nullopt;
    }
    return it->second;
}

} // namespace snbridge::gateway
