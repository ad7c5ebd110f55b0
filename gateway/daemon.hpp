#pragma once

// What turns a started gateway into a service, between "the listeners are open" and
// "running": the pid file (gateway.pid_file), the switch to `user:`, and systemd's READY=1
// with its watchdog; STOPPING=1 when the clean stop begins. Loop thread only.

#include <memory>

#include "common/result.hpp"
#include "config/config.hpp"
#include "gateway/pid_file.hpp"
#include "gateway/systemd_notify.hpp"

namespace snbridge::common::uv {
class loop;
}

namespace snbridge::gateway {

class daemon {
public:
    /// Call once every socket is bound and every file is open (the state file included):
    /// writes the pid file, drops to `c.user` (handing it the state file), logs what it did
    /// and tells systemd READY=1. An error (exit 1) names the key and the cause.
    [[nodiscard]] static common::result<std::unique_ptr<daemon>> serve(common::uv::loop& l,
                                                                       const config::config& c);

    /// STOPPING=1 to systemd; call when the clean stop begins.
    void stopping() { notify_.stopping(); }

    daemon(const daemon&) = delete;
    daemon& operator=(const daemon&) = delete;
    ~daemon() = default; ///< removes the pid file when it may

    /// Only serve() makes one (make_unique needs a public constructor).
    class only_serve {
        friend class daemon;
        only_serve() = default;
    };
    daemon(only_serve /*key*/, common::uv::loop& l, pid_file pid)
        : pid_(std::move(pid))
        , notify_(l) {}

private:
    pid_file pid_;
    systemd_notify notify_;
};

} // namespace snbridge::gateway
