#pragma once

// A private temporary directory for one test (configs, logs, Mosquitto state), removed with
// everything in it when the object goes away.

#include <filesystem>
#include <string>
#include <string_view>

namespace snbridge::test {

class temp_dir {
public:
    /// Creates a fresh directory under $TMPDIR (or /tmp), e.g. /tmp/snb-test-XXXXXX.
    /// Throws std::runtime_error when it cannot (test set-up, not network input).
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    temp_dir(temp_dir&& other) noexcept;
    temp_dir& operator=(temp_dir&&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// path() / name.
    [[nodiscard]] std::filesystem::path file(std::string_view name) const;
    /// Writes `text` to path() / name (truncating) and returns the full path.
    std::filesystem::path write(std::string_view name, std::string_view text) const;

private:
    std::filesystem::path path_;
};

} // namespace snbridge::test
