#include "common/uv/handle.hpp"

#include <uv.h>

#include "common/uv/loop.hpp"

namespace snbridge::common::uv {

std::string error_text(int status) {
    return std::string(uv_err_name(status)) + " (" + uv_strerror(status) + ")";
}

handle::handle(loop& owner)
    : raw_loop_(owner.raw())
    , h_(reinterpret_cast<uv_handle_s*>(new uv_any_handle{})) {}

handle::~handle() {
    close();
}

int handle::init_done(int status) noexcept {
    if (status < 0) {
        // Never initialised, so never registered with the loop: no uv_close.
        delete reinterpret_cast<uv_any_handle*>(h_);
        h_ = nullptr;
        return status;
    }
    h_->data = this;
    return status;
}

void handle::close() noexcept {
    if (h_ == nullptr) {
        return;
    }
    uv_handle_t* h = h_;
    h_ = nullptr;
    h->data = nullptr;
    if (uv_is_closing(h) == 0) {
        uv_close(h, close_callback);
    }
}

void handle::unref() noexcept {
    if (h_ != nullptr) {
        uv_unref(h_);
    }
}

void close_callback(uv_handle_t* h) noexcept {
    if (auto* owner = static_cast<handle*>(h->data)) {
        // Hook first: the mailbox stops other threads from touching the handle under its lock
        // before the pointer goes away.
        owner->on_closed_elsewhere();
        owner->h_ = nullptr;
    }
    delete reinterpret_cast<uv_any_handle*>(h);
}

} // namespace snbridge::common::uv
