#pragma once

// The upstream filters of the aggregating mode. Each distinct filter is subscribed upstream
// once, reference-counted over the sessions that asked for it, at the highest QoS any of them
// asked for. A message from upstream goes to every session with a matching filter, once per
// session, at the lower of the message QoS and that session's highest matching QoS.
// Pure bookkeeping: no I/O, no clock.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace snbridge::bridge::remote {

class subscription_table {
public:
    /// What the caller has to do upstream after a change.
    struct upstream_change {
        enum class kind : std::uint8_t { none, subscribe, unsubscribe };
        kind what = kind::none;
        std::uint8_t qos = 0; ///< for subscribe: the QoS to ask upstream
        bool operator==(const upstream_change&) const = default;
    };

    struct delivery {
        std::string member;
        std::uint8_t qos = 0;
        bool operator==(const delivery&) const = default;
    };

    /// `member` (a session's client id) subscribes to `filter` at `qos`, replacing the QoS it
    /// had for it. Upstream: subscribe when the filter is new or the highest QoS rose, else
    /// none (the caller may still re-subscribe at the returned upstream QoS to fetch retained
    /// messages, see set_retained_target).
    upstream_change add(const std::string& member, const std::string& filter, std::uint8_t qos);
    /// `member` no longer wants `filter`. Upstream: unsubscribe when nobody wants it any more.
    /// The upstream QoS is never lowered (a lower re-subscribe could drop in-flight QoS).
    upstream_change remove(const std::string& member, const std::string& filter);
    /// Removes every filter of `member`; returns the filters nobody wants any more.
    std::vector<std::string> remove_member(const std::string& member);

    /// The subscription whose SUBACK arrived last. Upstream sets retain=1 only on messages it
    /// sends because of a (re-)subscribe (MQTT 3.1.1 §3.3.1.3), right after that SUBACK and
    /// before the next one (one connection keeps order, MQTT 3.1.1 §4.6): those go to this
    /// subscription alone, not to sessions that had them already.
    void set_retained_target(const std::string& member, const std::string& filter);
    /// After a SUBACK nobody waits for (re-subscribing everything): retained go to nobody.
    void clear_retained_target() noexcept { retained_target_.reset(); }

    /// Where a message on `topic` goes, each member once, in member order.
    [[nodiscard]] std::vector<delivery> route(std::string_view topic, std::uint8_t qos,
                                              bool retained) const;

    /// The QoS the filter is (being) subscribed upstream at, nullopt when nobody wants it.
    [[nodiscard]] std::optional<std::uint8_t> upstream_qos(const std::string& filter) const;
    /// Whether some filter (anyone's) matches topic name `topic`.
    [[nodiscard]] bool any_match(std::string_view topic) const;
    /// How many members want `filter`.
    [[nodiscard]] std::size_t refcount(const std::string& filter) const;
    [[nodiscard]] std::size_t filter_count() const noexcept { return filters_.size(); }
    /// Every filter with its upstream QoS (to subscribe again after the upstream session was
    /// lost).
    [[nodiscard]] std::vector<std::pair<std::string, std::uint8_t>> filters() const;
    /// The filters of one member with its QoS.
    [[nodiscard]] std::map<std::string, std::uint8_t> filters_of(const std::string& member) const;

private:
    struct member_entry {
        std::uint8_t qos = 0;
    };
    struct filter_entry {
        std::map<std::string, member_entry, std::less<>> members;
        std::uint8_t upstream_qos = 0;
    };
    std::map<std::string, filter_entry, std::less<>> filters_;
    std::optional<std::pair<std::string, std::string>> retained_target_; ///< member, filter
};

} // namespace snbridge::bridge::remote
