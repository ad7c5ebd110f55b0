#include "common/password_hash.hpp"

#include <charconv>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <vector>

namespace snbridge::common {

namespace {

constexpr std::size_t sha512_size = 64;

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.empty() || text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out(text.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the '=' padding as zero bytes.
    std::size_t len = static_cast<std::size_t>(n);
    for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) {
        --len;
    }
    out.resize(len);
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

struct parsed_hash {
    int kind = 0; ///< 6 or 7
    int iterations = 0;
    std::string salt;
    std::string hash;
};

std::optional<parsed_hash> parse(std::string_view stored) {
    parsed_hash p;
    if (stored.starts_with("$7$")) {
        p.kind = 7;
        stored.remove_prefix(3);
        const auto dollar = stored.find('$');
        if (dollar == std::string_view::npos) {
            return std::nullopt;
        }
        const auto count = stored.substr(0, dollar);
        const auto [end, ec] =
            std::from_chars(count.data(), count.data() + count.size(), p.iterations);
        if (ec != std::errc{} || end != count.data() + count.size() || p.iterations < 1) {
            return std::nullopt;
        }
        stored.remove_prefix(dollar + 1);
    } else if (stored.starts_with("$6$")) {
        p.kind = 6;
        stored.remove_prefix(3);
    } else {
        return std::nullopt;
    }
    const auto dollar = stored.find('$');
    if (dollar == std::string_view::npos) {
        return std::nullopt;
    }
    auto salt = base64_decode(stored.substr(0, dollar));
    auto hash = base64_decode(stored.substr(dollar + 1));
    if (!salt || !hash || hash->size() != sha512_size) {
        return std::nullopt;
    }
    p.salt = std::move(*salt);
    p.hash = std::move(*hash);
    return p;
}

std::string digest(const parsed_hash& p, std::string_view password) {
    std::string out(sha512_size, '\0');
    auto* o = reinterpret_cast<unsigned char*>(out.data());
    if (p.kind == 7) {
        PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(p.salt.data()),
                          static_cast<int>(p.salt.size()), p.iterations, EVP_sha512(),
                          static_cast<int>(sha512_size), o);
        return out;
    }
    std::string input(password);
    input += p.salt;
    SHA512(reinterpret_cast<const unsigned char*>(input.data()), input.size(), o);
    return out;
}

bool same(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

bool password_matches(std::string_view stored, std::string_view given) {
    if (stored.starts_with("$7$") || stored.starts_with("$6$")) {
        const auto p = parse(stored);
        return p && same(digest(*p, given), p->hash);
    }
    return same(stored, given);
}

std::optional<std::string> hash_problem(std::string_view stored) {
    if (!stored.starts_with("$7$") && !stored.starts_with("$6$")) {
        return std::string("not a mosquitto_passwd hash ($7$ or $6$)");
    }
    if (!parse(stored)) {
        return std::string("a malformed $") + stored[1] + "$ hash";
    }
    return std::nullopt;
}

std::string pbkdf2_sha512_hash(std::string_view password, std::string_view salt, int iterations) {
    parsed_hash p{.kind = 7, .iterations = iterations, .salt = std::string(salt), .hash = {}};
    return "$7$" + std::to_string(iterations) + "$" + base64_encode(salt) + "$" +
           base64_encode(digest(p, password));
}

} // namespace snbridge::common
