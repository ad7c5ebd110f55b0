#pragma once

// Command-line plumbing shared by snbridge-pub and snbridge-sub: the options both accept
// (mosquitto_pub/_sub style), exit codes, and the `-d` packet trace.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/support/sn_client.hpp"

namespace snbridge::tools::cli {

/// Exit codes of snbridge-pub and snbridge-sub (documented in --help and tools/README.md).
enum class exit_code : int {
    ok = 0,           ///< success
    usage = 1,        ///< bad or missing arguments
    network = 2,      ///< cannot resolve, open the socket, or send; ICMP port unreachable
    refused = 3,      ///< the gateway refused the connection (CONNACK return code != 0)
    timeout = 4,      ///< no answer from the gateway in time; or -W expired (snbridge-sub)
    rejected = 5,     ///< REGISTER/PUBLISH/SUBSCRIBE rejected (non-zero return code)
    disconnected = 6, ///< the gateway sent DISCONNECT
    protocol = 7,     ///< unexpected answer or a message file that cannot be read
};

/// The exit code for a failed call; `during_connect` makes `refused` mean exit 3, else 5.
[[nodiscard]] exit_code exit_code_for(const client_error& e, bool during_connect) noexcept;
[[nodiscard]] int to_int(exit_code c) noexcept;

/// The help text paragraph listing the exit codes.
[[nodiscard]] std::string_view exit_codes_help() noexcept;

/// Options that snbridge-pub and snbridge-sub share.
struct common_options {
    endpoint_options endpoint;
    connect_options connect;
    int qos = 0;                           ///< -1, 0, 1, 2
    std::vector<std::string> topics;       ///< -t (normal names, or short names with -S)
    std::vector<std::uint16_t> predefined; ///< -T
    bool short_topics = false;             ///< -S/--short
    bool debug = false;                    ///< -d
    bool host_given = false;
    bool port_given = false;
    std::optional<std::string> will_topic;
    std::optional<std::string> will_payload;
    int will_qos = 0;
    bool will_retain = false;
};

enum class parse_status : std::uint8_t { handled, not_mine, error };

/// Tries to consume argv[i] (and its value) as a shared option; advances `i` past what it
/// consumed. On error, `err` says why.
parse_status parse_common(int argc, char** argv, int& i, common_options& o, std::string& err);

/// Final checks and derived settings (client id default, will, -6 with a v4 host, ...).
/// `prefix` seeds the default client id ("snbpub", "snbsub").
bool finish_common(common_options& o, std::string_view prefix, std::string& err);

/// The help lines for the shared options.
[[nodiscard]] std::string_view common_help() noexcept;

/// Integer in [lo, hi] or nullopt.
[[nodiscard]] std::optional<long long> parse_int(std::string_view s, long long lo, long long hi);

/// "PUBLISH (d0, q1, r0, m3, topic id 5, 12 bytes)" for -d output.
[[nodiscard]] std::string describe(const sn::packet& p);

/// The topic_ref of a -t name (short with -S) or a -T id.
[[nodiscard]] topic_ref topic_for_name(const common_options& o, const std::string& name);

[[nodiscard]] sn::qos to_qos(int q) noexcept;

} // namespace snbridge::tools::cli
