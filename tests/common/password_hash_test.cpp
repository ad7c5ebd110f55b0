// common/password_hash: Mosquitto's password file hashes. Golden values computed with
// Python's hashlib (sha512, pbkdf2_hmac) for salt "0123456789ab" and password "secret"; and a
// line made by the real mosquitto_passwd at test time.

#include <chrono>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "common/password_hash.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

using snbridge::common::hash_problem;
using snbridge::common::password_matches;
using snbridge::common::pbkdf2_sha512_hash;

namespace {

const std::string v6 = "$6$MDEyMzQ1Njc4OWFi$qEXipeLbgxRlwd06QHfY5WITkUZg0jLg9SZbXzq3ifXjfj+v3GbJ"
                       "GrSfC5PAg3UNCS+UFfbhUIZX4bmIAs330w==";
const std::string v7 = "$7$101$MDEyMzQ1Njc4OWFi$EO/lLlkeUgIiBaS8G8UK0ZMP1u508TA7Tl+AdJ1cEsmlbGyE"
                       "PAERErpfq84j1kepISs0UzmcdL4ucgZ2uodxfQ==";

} // namespace

TEST_CASE("password hash: $6$ and $7$ golden values, and plain text") {
    CHECK(password_matches(v6, "secret"));
    CHECK_FALSE(password_matches(v6, "Secret"));
    CHECK(password_matches(v7, "secret"));
    CHECK_FALSE(password_matches(v7, "secret "));
    CHECK_FALSE(password_matches(v7, ""));
    CHECK(pbkdf2_sha512_hash("secret", "0123456789ab", 101) == v7);
    CHECK(password_matches("plain", "plain"));
    CHECK_FALSE(password_matches("plain", "plain2"));
    CHECK_FALSE(hash_problem(v6).has_value());
    CHECK_FALSE(hash_problem(v7).has_value());
}

TEST_CASE("password hash: malformed hashes never match and are named") {
    const char* bad[] = {"$7$",
                         "$7$x$MDEy$AAAA",
                         "$7$0$MDEyMzQ1Njc4OWFi$AAAA",
                         "$6$MDEy",
                         "$6$MDEy$short",
                         "$6$!!!!$" /* not base64 */,
                         "$7$101$MDEyMzQ1Njc4OWFi$"};
    for (const auto* h : bad) {
        CAPTURE(h);
        CHECK_FALSE(password_matches(h, "secret"));
        CHECK(hash_problem(h).has_value());
    }
    CHECK(hash_problem("plain").has_value());
}

TEST_CASE("password hash: a line made by mosquitto_passwd matches its password only") {
    snbridge::test::temp_dir dir;
    const auto file = dir.file("passwd");
    snbridge::test::process p("/usr/bin/mosquitto_passwd",
                              {"-c", "-b", file.string(), "alice", "s3cret!"});
    REQUIRE(p.wait_exit(std::chrono::seconds(10)) == 0);
    std::ifstream in(file);
    std::string line;
    REQUIRE(std::getline(in, line));
    REQUIRE(line.rfind("alice:$7$", 0) == 0);
    const auto hash = line.substr(6);
    CHECK(password_matches(hash, "s3cret!"));
    CHECK_FALSE(password_matches(hash, "s3cret"));
}
