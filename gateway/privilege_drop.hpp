#pragma once

// Switching from root to the configured `user:` once the sockets and files are open (as
// Mosquitto's `user`, docs/configuration.md "user"). Startup only, loop thread, before any
// client is served.

#include <span>
#include <string>

#include "common/result.hpp"

namespace snbridge::gateway {

/// What drop_privileges did, for the start-up log line.
enum class privilege_outcome : unsigned char {
    none,              ///< no `user:` configured
    already_that_user, ///< started as that user (systemd's User=): nothing to switch
    stayed_root,       ///< `user: root`
    switched,          ///< root -> the user, its groups, no capabilities left
};

/// With `user` empty: none. Started as root: hands `owned_files` that exist to the user
/// (chown, so that a later start as that user can open them), then initgroups, setgid,
/// setuid, and checks /proc/self/status that CapEff and CapPrm are 0 (an error otherwise).
/// Started as another user: the error "cannot switch to user X: not started as root ...".
/// Process-wide: glibc applies set*id to every thread.
[[nodiscard]] common::result<privilege_outcome>
drop_privileges(const std::string& user, std::span<const std::string> owned_files);

/// The hexadecimal value of `field` ("CapEff", "CapPrm", ...) in /proc/self/status, or an
/// empty string when it cannot be read.
[[nodiscard]] std::string proc_status_field(const std::string& field);

} // namespace snbridge::gateway
