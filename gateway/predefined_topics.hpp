#pragma once

// Predefined topic ids from config (MQTT-SN 1.2 §6.7): global ones and per-ClientId ones.
// A per-client id shadows a global id with the same number. Lookups are O(1).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/core_settings.hpp"

namespace snbridge::gateway {

class predefined_topics {
public:
    predefined_topics() = default;
    predefined_topics(const std::vector<predefined_topic>& global,
                      const std::vector<client_predefined_topics>& per_client);

    /// The topic name of predefined `id` for `client_id` (empty: global only), or nullptr.
    [[nodiscard]] const std::string* name_of(std::string_view client_id,
                                             std::uint16_t id) const noexcept;
    /// The predefined id of `name` for `client_id`, if any.
    [[nodiscard]] std::optional<std::uint16_t> id_of(std::string_view client_id,
                                                     std::string_view name) const noexcept;

private:
    /// Heterogeneous lookup: find(string_view) without building a std::string per message.
    struct name_hash {
        using is_transparent = void;
        [[nodiscard]] std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    template <class V>
    using by_name_map = std::unordered_map<std::string, V, name_hash, std::equal_to<>>;
    struct table {
        std::unordered_map<std::uint16_t, std::string> by_id;
        by_name_map<std::uint16_t> by_name;
    };
    static void add(table& t, const predefined_topic& p);
    [[nodiscard]] const table* client_table(std::string_view client_id) const noexcept;

    table global_;
    by_name_map<table> per_client_;
};

} // namespace snbridge::gateway
