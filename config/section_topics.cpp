#include "config/sections.hpp"

namespace snbridge::config {

void parse_topics(section_reader& r, topics_section& out) {
    // Predefined topic ids (MQTT-SN 1.2 §6.7): [{ id, name, client_id? }].
    r.each("predefined", 0, 65535, [&](section_reader& item, std::size_t) {
        predefined_topic_entry e;
        const bool has_id = item.read("id", e.id, std::uint16_t{1}, std::uint16_t{65534});
        const bool has_name = item.read("name", e.name, 1, 65535);
        item.read("client_id", e.client_id, 1, 65535);
        if (!item.has("id")) {
            item.error("id", "is required");
        }
        if (!item.has("name")) {
            item.error("name", "is required");
        }
        if (has_name && e.name.find_first_of("+#") != std::string::npos) {
            item.error("name", "must be a topic name without wildcards");
        }
        if (has_id && has_name) {
            for (const auto& other : out.predefined) {
                if (other.id == e.id && other.client_id == e.client_id) {
                    item.error("id",
                               "is already predefined" +
                                   std::string(e.client_id.empty() ? "" : " for this client"));
                }
            }
            out.predefined.push_back(std::move(e));
        }
    });
}

} // namespace snbridge::config
