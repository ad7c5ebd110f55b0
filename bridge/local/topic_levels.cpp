#include "bridge/local/topic_levels.hpp"

#include <algorithm>

#include "common/topic.hpp"

namespace snbridge::bridge::local {

namespace {

std::size_t level_count(std::string_view topic) noexcept {
    return 1 + static_cast<std::size_t>(std::count(topic.begin(), topic.end(), '/'));
}

} // namespace

bool valid_topic_name(std::string_view topic, std::size_t max_levels) noexcept {
    return common::topic::valid_name(topic) && level_count(topic) <= max_levels;
}

bool valid_topic_filter(std::string_view filter, std::size_t max_levels) noexcept {
    return common::topic::valid_filter(filter) && level_count(filter) <= max_levels;
}

} // namespace snbridge::bridge::local
