#include "common/turn_flush.hpp"

#include <utility>

namespace snbridge::common {

turn_flush::turn_flush(uv::loop& l)
    : after_io_(l)
    , before_wait_(l) {
    after_io_.start([this] { release(); });
    after_io_.unref();
    before_wait_.start([this] { release(); });
    before_wait_.unref();
}

turn_flush::~turn_flush() {
    release();
}

void turn_flush::after_commit(std::function<void(bool committed)> f) {
    waiting_.push_back(std::move(f));
}

void turn_flush::release() {
    // A callback may send again (and so wait again): those go in the next round.
    auto now = std::move(waiting_);
    waiting_.clear();
    for (auto& f : now) {
        f(true);
    }
}

} // namespace snbridge::common
