#include "common/uv/signal_handle.hpp"

#include <uv.h>

#include "common/uv/loop.hpp"

namespace snbridge::common::uv {

signal_handle::signal_handle(loop& owner)
    : handle(owner) {
    init_done(uv_signal_init(raw_loop(), as<uv_signal_t>()));
}

int signal_handle::start(int signum, std::function<void(int)> callback) {
    if (!is_open()) {
        return UV_EBADF;
    }
    callback_ = std::move(callback);
    return uv_signal_start(as<uv_signal_t>(), on_signal, signum);
}

void signal_handle::stop() noexcept {
    if (is_open()) {
        uv_signal_stop(as<uv_signal_t>());
    }
}

void signal_handle::on_signal(uv_signal_t* s, int signum) noexcept {
    auto* self = static_cast<signal_handle*>(s->data);
    if (self != nullptr && self->callback_) {
        auto cb = self->callback_;
        cb(signum);
    }
}

} // namespace snbridge::common::uv
