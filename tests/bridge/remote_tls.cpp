// TLS towards the broker (bridge/remote over ssl://): a CA and a server certificate made with
// openssl by the harness, user name and password from a Mosquitto password file; a wrong CA
// fails with a clear log line; wrong credentials are a refusal, not an outage.

#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include <doctest/doctest.h>

#include "bridge/local/broker_core.hpp"
#include "bridge/remote/aggregating_side.hpp"
#include "bridge/remote/transparent_side.hpp"
#include "common/uv/loop.hpp"
#include "tests/bridge/remote_recorder.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/run_until.hpp"

using namespace snbridge;
using namespace std::chrono_literals;
using bridge::remote::aggregating_side;
using bridge::remote::transparent_side;
using bridge::remote::upstream_options;
using common::open_status;
using test::run_until;

namespace {

/// Sends this process's stderr (where common::log writes) to a file while alive.
class stderr_capture {
public:
    explicit stderr_capture(std::filesystem::path file)
        : file_(std::move(file)) {
        std::fflush(stderr);
        saved_ = ::dup(2);
        const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~stderr_capture() {
        std::fflush(stderr);
        ::dup2(saved_, 2);
        ::close(saved_);
    }
    stderr_capture(const stderr_capture&) = delete;
    stderr_capture& operator=(const stderr_capture&) = delete;
    [[nodiscard]] std::string text() const {
        std::ifstream in(file_);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    std::filesystem::path file_;
    int saved_ = -1;
};

upstream_options tls_options(const test::mosquitto& b) {
    upstream_options o;
    o.uri = b.tls_uri();
    o.client_id = "gw-tls";
    o.tls.ca_file = b.tls_ca_file().string();
    o.auth.username = std::string("gateway");
    o.auth.password = std::string("s3cret");
    o.reconnect_min = 100ms;
    o.reconnect_max = 500ms;
    o.connect_timeout = std::chrono::seconds(3);
    return o;
}

template <class Side>
void stop_side(common::uv::loop& loop, std::unique_ptr<Side>& side) {
    bool done = false;
    side->stop([&] { done = true; });
    run_until(
        loop, [&] { return done; }, 10s);
    side.reset();
}

} // namespace

TEST_CASE("remote tls: aggregating over ssl:// with user name and password") {
    test::mosquitto broker({.users = {{"gateway", "s3cret"}, {"dev", "devpw"}}, .tls = true});
    common::uv::loop loop;
    test::recorder rec;
    auto side = aggregating_side::create(loop, tls_options(broker),
                                         std::make_shared<bridge::local::broker_core>());
    REQUIRE(side.has_value());
    (*side)->set_listener(rec);
    REQUIRE(run_until(
        loop, [&] { return (*side)->upstream_connected(); }, 15s));
    (*side)->open(1, common::open_params{"a", true, 30, {}, {}, {}});
    (*side)->open(2, common::open_params{"b", true, 30, {}, {}, {}});
    (*side)->subscribe(1, "secure/#", 1, 1);
    REQUIRE(run_until(loop, [&] { return rec.subscribed.count(1) == 1; }));
    (*side)->publish(2, test::text_message("secure/t", "over tls", 1), 2);
    REQUIRE(run_until(
        loop, [&] { return rec.messages_of(1).size() == 1 && rec.published.count(2) == 1; }));
    CHECK(test::text_of(rec.messages_of(1)[0]) == "over tls");
    CHECK(rec.published[2]);
    // The local broker delivered it; the round trip over TLS is its copy coming back from
    // upstream (secure/# is subscribed there for session a), dropped as the bridge's echo.
    REQUIRE(run_until(
        loop, [&] { return (*side)->bridge().stats().echoes_dropped == 1; }, 10s));
    stop_side(loop, *side);
}

TEST_CASE("remote tls: transparent per-device credentials over ssl://") {
    test::mosquitto broker({.users = {{"gateway", "s3cret"}, {"dev", "devpw"}}, .tls = true});
    common::uv::loop loop;
    test::recorder rec;
    auto opts = tls_options(broker);
    opts.client_credentials["sensor-9"] =
        bridge::remote::credentials{std::string("dev"), std::string("devpw")};
    opts.client_credentials["intruder"] =
        bridge::remote::credentials{std::string("dev"), std::string("wrong")};
    test::temp_dir dir;
    std::string log;
    {
        stderr_capture capture(dir.file("stderr.log"));
        auto side = transparent_side::create(loop, opts);
        REQUIRE(side.has_value());
        (*side)->set_listener(rec);
        (*side)->open(1, common::open_params{"sensor-9", true, 30, {}, {}, {}});
        REQUIRE(run_until(
            loop, [&] { return rec.open_of(1).has_value(); }, 15s));
        CHECK(rec.open_of(1)->status == open_status::accepted);
        CHECK(broker.log().find("as sensor-9 ") != std::string::npos);
        // Bad password: the broker refuses (CONNACK 5): not an outage, so CONNACK 0x03 downstream.
        (*side)->open(2, common::open_params{"intruder", true, 30, {}, {}, {}});
        REQUIRE(run_until(
            loop, [&] { return rec.open_of(2).has_value(); }, 15s));
        CHECK(rec.open_of(2)->status == open_status::refused);
        stop_side(loop, *side);
        log = capture.text();
    }
    CAPTURE(log);
    // Mosquitto 2 answers a wrong password with CONNACK 5.
    CHECK(log.find("Upstream " + broker.tls_uri() +
                   " for client intruder: not authorized (CONNACK 5: the broker refused these "
                   "credentials): check upstream.credentials (client_id intruder).\n") !=
          std::string::npos);
}

TEST_CASE("remote tls: a wrong CA fails with a clear log line") {
    test::mosquitto broker({.users = {{"gateway", "s3cret"}}, .tls = true});
    test::temp_dir other;
    const auto ca_key = other.file("other-ca.key").string();
    const auto ca_crt = other.file("other-ca.crt").string();
    test::process gen("/usr/bin/openssl",
                      {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                       "/CN=not the broker's CA", "-keyout", ca_key, "-out", ca_crt});
    REQUIRE(gen.wait_exit(30s) == std::optional<int>(0));

    auto opts = tls_options(broker);
    opts.tls.ca_file = ca_crt;
    common::uv::loop loop;
    test::recorder rec;
    std::string log;
    {
        stderr_capture capture(other.file("stderr.log"));
        auto side = transparent_side::create(loop, opts);
        REQUIRE(side.has_value());
        (*side)->set_listener(rec);
        REQUIRE(run_until(
            loop, [&] { return capture.text().find("retrying in") != std::string::npos; }, 15s));
        // While the gateway cannot reach the broker, devices are told to come back later.
        (*side)->open(1, common::open_params{"sensor", true, 30, {}, {}, {}});
        REQUIRE(run_until(
            loop, [&] { return rec.open_of(1).has_value(); }, 15s));
        CHECK(rec.open_of(1)->status == open_status::congestion);
        stop_side(loop, *side);
        log = capture.text();
    }
    CAPTURE(log);
    const std::string line = "Upstream " + broker.tls_uri() +
                             ": the broker's certificate is not signed by the CA in "
                             "upstream.tls.ca_file (TLS: unknown CA): check upstream.tls.ca_file.";
    CHECK(log.find(line + "\n") != std::string::npos);
    // Once per cause, not once per attempt.
    CHECK(log.find(line) == log.rfind(line));
}
