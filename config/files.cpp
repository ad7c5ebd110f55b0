#include "config/files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

namespace snbridge::config {

namespace {

using file_ptr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

} // namespace

std::string unreadable(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        return "is a directory";
    }
    const file_ptr f(std::fopen(path.c_str(), "rb"), &std::fclose);
    return f ? std::string() : std::string(std::strerror(errno));
}

std::string pem_problem(const std::string& path, pem_kind kind) {
    const file_ptr f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) {
        return std::strerror(errno);
    }
    ERR_clear_error();
    if (kind == pem_kind::private_key) {
        // No passphrase: the gateway starts unattended (an encrypted key fails here).
        EVP_PKEY* key = PEM_read_PrivateKey(f.get(), nullptr, nullptr, const_cast<char*>(""));
        if (key == nullptr) {
            ERR_clear_error();
            return "no PEM private key without a passphrase in it";
        }
        EVP_PKEY_free(key);
        return {};
    }
    X509* cert = PEM_read_X509(f.get(), nullptr, nullptr, nullptr);
    if (cert == nullptr) {
        ERR_clear_error();
        return "no PEM certificate in it";
    }
    X509_free(cert);
    ERR_clear_error();
    return {};
}

std::string unwritable(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path p(path);
    if (fs::exists(p, ec)) {
        if (fs::is_directory(p, ec)) {
            return "is a directory";
        }
        if (::access(path.c_str(), R_OK | W_OK) != 0) {
            return std::string("cannot be written: ") + std::strerror(errno);
        }
        return {};
    }
    const auto dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    if (!fs::exists(dir, ec)) {
        return "its directory " + dir.string() + " does not exist";
    }
    if (!fs::is_directory(dir, ec)) {
        return dir.string() + " is not a directory";
    }
    if (::access(dir.c_str(), W_OK | X_OK) != 0) {
        return "cannot create files in " + dir.string() + ": " + std::strerror(errno);
    }
    return {};
}

} // namespace snbridge::config
