#include "common/uv/check.hpp"

#include <uv.h>

namespace snbridge::common::uv {

check::check(loop& owner)
    : handle(owner) {
    init_done(uv_check_init(raw_loop(), as<uv_check_t>()));
}

void check::start(std::function<void()> callback) {
    if (!is_open()) {
        return;
    }
    callback_ = std::move(callback);
    uv_check_start(as<uv_check_t>(), on_check);
}

void check::stop() noexcept {
    if (is_open()) {
        uv_check_stop(as<uv_check_t>());
    }
}

void check::on_check(uv_check_t* c) noexcept {
    auto* self = static_cast<check*>(c->data);
    if (self != nullptr && self->callback_) {
        self->callback_();
    }
}

} // namespace snbridge::common::uv
