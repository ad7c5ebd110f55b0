#include "common/uv/prepare.hpp"

#include <uv.h>

namespace snbridge::common::uv {

prepare::prepare(loop& owner)
    : handle(owner) {
    init_done(uv_prepare_init(raw_loop(), as<uv_prepare_t>()));
}

void prepare::start(std::function<void()> callback) {
    if (!is_open()) {
        return;
    }
    callback_ = std::move(callback);
    uv_prepare_start(as<uv_prepare_t>(), on_prepare);
}

void prepare::stop() noexcept {
    if (is_open()) {
        uv_prepare_stop(as<uv_prepare_t>());
    }
}

void prepare::on_prepare(uv_prepare_t* p) noexcept {
    auto* self = static_cast<prepare*>(p->data);
    if (self != nullptr && self->callback_) {
        self->callback_();
    }
}

} // namespace snbridge::common::uv
