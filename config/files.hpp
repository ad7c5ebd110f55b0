#pragma once

// What the loader checks of the files and directories a configuration names, so that
// `--check-config` finds what the start would trip on (issue 13 point 5). Each returns why the
// path is not usable, or "" when it is. Startup only (blocking file-system calls). Internal
// to config/.

#include <string>

namespace snbridge::config {

enum class pem_kind { certificates, private_key };

/// Why `path` cannot be opened for reading ("is a directory", strerror).
[[nodiscard]] std::string unreadable(const std::string& path);
/// Why `path` is not a PEM file of `kind` that OpenSSL parses (after unreadable()).
[[nodiscard]] std::string pem_problem(const std::string& path, pem_kind kind);
/// Why a file cannot be created or written at `path`: an existing one must be a writable
/// regular file, a missing one needs an existing, writable directory.
[[nodiscard]] std::string unwritable(const std::string& path);

} // namespace snbridge::config
