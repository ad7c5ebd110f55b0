#pragma once

// A listening TCP socket (uv_tcp_t): bind, listen, and hand each accepted connection over as a
// tcp_stream. Loop thread only; errors are results or negative libuv status codes.

#include <functional>
#include <memory>

#include "common/net_address.hpp"
#include "common/result.hpp"
#include "common/uv/handle.hpp"
#include "common/uv/tcp_stream.hpp"

struct uv_stream_s;

namespace snbridge::common::uv {

class tcp_server final : public handle {
public:
    /// A new connection, already accepted (not reading yet). The callee owns it.
    using accept_callback = std::function<void(std::unique_ptr<tcp_stream> connection)>;
    /// listen() or accept() failed with a negative status; the server keeps listening.
    using error_callback = std::function<void(int status)>;

    explicit tcp_server(loop& owner);
    ~tcp_server() = default;

    /// Binds (IPv6 addresses with IPV6_V6ONLY) and listens; the error message names the
    /// address and the reason.
    [[nodiscard]] result<void> listen(const net_address& address, accept_callback on_accept,
                                      error_callback on_error = {}, int backlog = 511);
    /// The bound address (with the kernel-chosen port when bound to port 0).
    [[nodiscard]] result<net_address> local_address() const;

private:
    static void on_connection(uv_stream_s* server, int status) noexcept;
    loop* owner_;
    accept_callback on_accept_;
    error_callback on_error_;
};

} // namespace snbridge::common::uv
