#pragma once

// Passwords as Mosquitto's password files hold them (mosquitto_passwd), so that existing
// files work (config `broker.mqtt_password_file`, docs/security.md):
//   $7$ITERATIONS$SALT$HASH  PBKDF2-HMAC-SHA512 (Mosquitto 2.0), SALT and HASH in base64;
//   $6$SALT$HASH             SHA-512 of password + salt (Mosquitto 1.x).
// Anything else is a password in plain text (broker.mqtt_users). Comparisons take the same
// time whatever the difference (CRYPTO_memcmp).

#include <optional>
#include <string>
#include <string_view>

namespace snbridge::common {

/// Whether `given` is the password that `stored` (a hash as above, or plain text) stands for.
[[nodiscard]] bool password_matches(std::string_view stored, std::string_view given);

/// Whether `stored` is a hash this build reads ($7$ or $6$, well-formed); nullopt if so, else
/// why not (for the config loader: a file line that would never match).
[[nodiscard]] std::optional<std::string> hash_problem(std::string_view stored);

/// A $7$ hash of `password` with `salt` (raw bytes) and `iterations`: tests, and a user who
/// wants to write one without mosquitto_passwd.
[[nodiscard]] std::string pbkdf2_sha512_hash(std::string_view password, std::string_view salt,
                                             int iterations);

} // namespace snbridge::common
