#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace snbridge::test {

temp_dir::temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/snb-test-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed for " + tmpl);
    }
    path_ = buf.data();
}

temp_dir::temp_dir(temp_dir&& other) noexcept
    : path_(std::move(other.path_)) {
    other.path_.clear();
}

temp_dir::~temp_dir() {
    if (!path_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
}

std::filesystem::path temp_dir::file(std::string_view name) const {
    return path_ / name;
}

std::filesystem::path temp_dir::write(std::string_view name, std::string_view text) const {
    const auto p = file(name);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) {
        throw std::runtime_error("cannot write " + p.string());
    }
    return p;
}

} // namespace snbridge::test
