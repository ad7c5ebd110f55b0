#include "common/uv/loop.hpp"

#include <stdexcept>
#include <string>

#include <uv.h>

#include "common/uv/handle.hpp"

namespace snbridge::common::uv {

loop::loop()
    : loop_(new uv_loop_t{}) {
    if (const int rc = uv_loop_init(loop_); rc < 0) {
        delete loop_;
        throw std::runtime_error("uv_loop_init: " + error_text(rc));
    }
}

loop::~loop() {
    shutdown();
    uv_loop_close(loop_);
    delete loop_;
}

void loop::run() noexcept {
    uv_run(loop_, UV_RUN_DEFAULT);
}

bool loop::run_once() noexcept {
    return uv_run(loop_, UV_RUN_ONCE) != 0;
}

bool loop::run_nowait() noexcept {
    return uv_run(loop_, UV_RUN_NOWAIT) != 0;
}

void loop::stop() noexcept {
    uv_stop(loop_);
}

bool loop::alive() const noexcept {
    return uv_loop_alive(loop_) != 0;
}

void loop::close_all() noexcept {
    uv_walk(
        loop_,
        [](uv_handle_t* h, void*) {
            if (uv_is_closing(h) == 0) {
                uv_close(h, close_callback);
            }
        },
        nullptr);
}

void loop::shutdown() noexcept {
    close_all();
    // Pending send requests complete (with UV_ECANCELED) and free their buffers here.
    while (uv_run(loop_, UV_RUN_DEFAULT) != 0) {
    }
}

} // namespace snbridge::common::uv
