#pragma once

// Who may connect and which topics each client may write (publish) and read (subscribe), for
// MQTT-SN devices and MQTT clients alike (config `clients.allowed_client_ids` and
// `clients.acl`, docs/security.md), in the spirit of Mosquitto's clientid_prefixes and
// acl_file:
// - a ClientId allow-list of exact ids and prefixes ("sensor-*"); empty: any ClientId;
// - topic rules, each for every client or for one ClientId or one user name (MQTT user, or
//   the PSK identity of a DTLS device), with `%c` (the ClientId) and `%u` (the user) in the
//   pattern. Without rules everything is allowed; with rules what no rule allows is refused.
// Pure and immutable once built; shared by the gateway core and the MQTT listener.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace snbridge::common {

enum class access : std::uint8_t { read = 1, write = 2, readwrite = 3 };

struct acl_rule {
    std::string client_id{}; ///< empty: any client
    std::string user{};      ///< empty: any user (and clients without one)
    std::string pattern{};   ///< a topic filter, with %c and %u
    access allowed = access::readwrite;

    bool operator==(const acl_rule&) const = default;
};

/// A DTLS identity and the ClientId (or, ending in '*', the prefix) its device must use
/// (`mqttsn.dtls.psk[].client_id`).
struct identity_binding {
    std::string identity;
    std::string client_id;

    bool operator==(const identity_binding&) const = default;
};

class access_control {
public:
    access_control() = default;
    access_control(std::vector<std::string> allowed_client_ids, std::vector<acl_rule> rules,
                   std::vector<identity_binding> bindings = {});

    /// Whether a device authenticated as `identity` (empty: not authenticated, plain UDP) may
    /// CONNECT as `client_id`: a bound identity only with its ClientId, and a ClientId bound to
    /// an identity only by it.
    [[nodiscard]] bool identity_allows(std::string_view identity,
                                       std::string_view client_id) const noexcept;

    /// Whether `client_id` may connect (an entry ending in '*' is a prefix).
    [[nodiscard]] bool client_allowed(std::string_view client_id) const noexcept;
    /// Whether the client may publish to the topic name `topic`.
    [[nodiscard]] bool may_write(std::string_view client_id, std::string_view user,
                                 std::string_view topic) const;
    /// Whether the client may subscribe to `filter`: some read rule covers every topic the
    /// filter matches.
    [[nodiscard]] bool may_read(std::string_view client_id, std::string_view user,
                                std::string_view filter) const;
    /// No rules: every topic is allowed to everyone.
    [[nodiscard]] bool open() const noexcept { return rules_.empty(); }
    [[nodiscard]] bool restricts_client_ids() const noexcept { return !client_ids_.empty(); }

    bool operator==(const access_control&) const = default;

private:
    /// The pattern of `r` for this client, or "" when the rule does not apply to it (another
    /// client or user, or a %c/%u value that holds '/', '+' or '#', which would widen it).
    [[nodiscard]] static std::string pattern_for(const acl_rule& r, std::string_view client_id,
                                                 std::string_view user);

    /// Whether a rule granting `wanted` to this client has a pattern that `matches`.
    template <class Matches>
    [[nodiscard]] bool any_rule(access wanted, std::string_view client_id, std::string_view user,
                                Matches matches) const;

    std::vector<std::string> client_ids_;
    std::vector<acl_rule> rules_;
    std::vector<identity_binding> bindings_;
};

/// Whether every topic name that `filter` matches also matches `pattern` (both valid filters).
[[nodiscard]] bool filter_covers(std::string_view pattern, std::string_view filter) noexcept;

} // namespace snbridge::common
