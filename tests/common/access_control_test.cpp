// common/access_control: the ClientId allow-list and the topic rules, as tables of
// (client, user, topic or filter) -> allowed or refused (docs/security.md).

#include <doctest/doctest.h>

#include "common/access_control.hpp"

using snbridge::common::access;
using snbridge::common::access_control;
using snbridge::common::acl_rule;
using snbridge::common::filter_covers;

TEST_CASE("access control: the ClientId allow-list, exact ids and prefixes") {
    const access_control open;
    CHECK(open.client_allowed("anyone"));
    const access_control list({"dashboard", "sensor-*", "*-test"}, {});
    const struct {
        const char* id;
        bool allowed;
    } rows[] = {
        {"dashboard", true}, {"dashboard2", false}, {"sensor-", true},
        {"sensor-17", true}, {"sensor", false},     {"Sensor-17", false},
        {"*-test", true},    {"x-test", false},     {"", false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.id);
        CHECK(list.client_allowed(r.id) == r.allowed);
    }
}

TEST_CASE(
    "access control: filter_covers is 'every topic the filter matches, the pattern matches'") {
    const struct {
        const char* pattern;
        const char* filter;
        bool covers;
    } rows[] = {
        {"#", "a/b", true},      {"#", "#", true},         {"a/#", "a", true},
        {"a/#", "a/b/c", true},  {"a/#", "a/#", true},     {"a/#", "b", false},
        {"a/+", "a/b", true},    {"a/+", "a/+", true},     {"a/+", "a/#", false},
        {"a/+", "a/b/c", false}, {"a/b", "a/b", true},     {"a/b", "a/+", false},
        {"a/b", "a", false},     {"a", "a/b", false},      {"+/b", "x/b", true},
        {"+/+", "+/+", true},    {"a/+/c", "a/x/c", true}, {"a/+/c", "a/x/d", false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.pattern);
        CAPTURE(r.filter);
        CHECK(filter_covers(r.pattern, r.filter) == r.covers);
    }
}

TEST_CASE("access control: topic rules with %c and %u, for everyone, one client or one user") {
    const access_control acl(
        {}, {
                {.pattern = "data/%c/#", .allowed = access::write},
                {.pattern = "cmd/%c/+", .allowed = access::read},
                {.client_id = "admin", .pattern = "#", .allowed = access::readwrite},
                {.user = "dash", .pattern = "data/#", .allowed = access::read},
                {.pattern = "home/%u/#", .allowed = access::readwrite},
            });
    const struct {
        const char* client;
        const char* user;
        const char* topic;
        bool write;
        bool read;
    } rows[] = {
        // %c: each client its own subtree
        {"s1", "", "data/s1/temp", true, false}, // write only
        {"s1", "", "data/s2/temp", false, false},
        {"s1", "", "cmd/s1/reboot", false, true},
        {"s1", "", "cmd/s2/reboot", false, false},
        // a ClientId with '/' or wildcards matches no %c rule
        {"s/1", "", "data/s/1/x", false, false},
        {"a+", "", "data/a+/x", false, false},
        // one client
        {"admin", "", "anything/at/all", true, true},
        // one user, and %u
        {"viewer", "dash", "data/s1/temp", false, true},
        {"viewer", "dash", "home/dash/light", true, true},
        {"viewer", "", "home//light", false, false}, // no user: %u matches nothing
        {"viewer", "", "other", false, false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.client);
        CAPTURE(r.topic);
        CHECK(acl.may_write(r.client, r.user, r.topic) == r.write);
        CHECK(acl.may_read(r.client, r.user, r.topic) == r.read);
    }
    // Subscriptions with wildcards: covered or not.
    CHECK(acl.may_read("s1", "", "cmd/s1/+"));
    CHECK_FALSE(acl.may_read("s1", "", "cmd/s1/#"));
    CHECK_FALSE(acl.may_read("s1", "", "cmd/#"));
    CHECK(acl.may_read("viewer", "dash", "data/#"));
    CHECK(access_control{}.may_read("x", "", "#"));
    CHECK(access_control{}.may_write("x", "", "a"));
}

TEST_CASE("identity bindings: a bound identity uses its ClientId and no one else does (table)") {
    const access_control ac({}, {},
                            {{"dev1", "dev1"}, {"fleet", "fleet-*"}, {"two", "a"}, {"two", "b"}});
    const struct {
        const char* identity;
        const char* client_id;
        bool allowed;
    } rows[] = {
        {"dev1", "dev1", true},    {"dev1", "dev2", false},     {"fleet", "fleet-7", true},
        {"fleet", "fleet-", true}, {"fleet", "dev1", false},    {"two", "a", true},
        {"two", "b", true},        {"two", "c", false},         {"other", "free", true},
        {"other", "dev1", false},  {"other", "fleet-1", false}, {"", "free", true},
        {"", "dev1", false},       {"", "fleet-x", false},      {"", "fleet", true},
    };
    for (const auto& r : rows) {
        CAPTURE(r.identity);
        CAPTURE(r.client_id);
        CHECK(ac.identity_allows(r.identity, r.client_id) == r.allowed);
    }
    // Without bindings every identity may use every ClientId.
    CHECK(access_control{}.identity_allows("x", "dev1"));
}
