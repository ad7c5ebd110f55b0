#pragma once

// The normal topic ids of one session (MQTT-SN 1.2 §6.5, §7.3: ids are per client;
// spec-decisions rules 3 and 4). Small and flat: a sensor uses a handful of topics, so a vector
// with linear search beats a hash map in memory and speed.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snbridge::gateway {

class topic_registry {
public:
    struct entry {
        std::string name;
        std::uint16_t id = 0;
        /// The client knows this id (it registered it, got it in a SUBACK, or acked the
        /// gateway's REGISTER). Cleared on a new CONNECT (§6.5: REGISTER again after a
        /// reconnect without CleanSession).
        bool known_to_client = false;
        /// The client rejected the gateway's REGISTER of this name: MQTT-SN 1.2 §6.10 takes
        /// that as an unsubscribe, so messages for it are dropped until a new SUBSCRIBE or a
        /// REGISTER of the name by the client.
        bool rejected = false;
    };

    /// The name registered under `id`, or nullptr.
    [[nodiscard]] const std::string* name_of(std::uint16_t id) const noexcept;
    /// The entry for `name`, or nullptr.
    [[nodiscard]] entry* find(std::string_view name) noexcept;
    [[nodiscard]] entry* find(std::uint16_t id) noexcept;
    /// The entry for `name`, created with a fresh id if missing; nullptr when the registry
    /// already holds `max_topics` entries.
    entry* assign(std::string_view name, std::size_t max_topics);
    /// Every id becomes unknown to the client (the gateway REGISTERs again before use).
    void forget_known() noexcept;
    /// Every rejected name becomes wanted again (a new SUBSCRIBE).
    void clear_rejected() noexcept;
    void clear() noexcept;
    /// Puts back an entry read from disk (docs/persistence.md); later ids are assigned after it.
    void restore(entry e);
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] const std::vector<entry>& entries() const noexcept { return entries_; }

private:
    std::vector<entry> entries_;
    std::uint16_t next_id_ = 1;
};

} // namespace snbridge::gateway
