#include "common/persist/turn_commit.hpp"

namespace snbridge::common::persist {

turn_commit::turn_commit(uv::loop& l, store& s)
    : store_(s)
    , after_io_(l)
    , before_wait_(l) {
    // commit() is a no-op when nothing is pending, so running both costs nothing idle.
    after_io_.start([this] { (void)store_.commit(); });
    after_io_.unref();
    before_wait_.start([this] { (void)store_.commit(); });
    before_wait_.unref();
}

} // namespace snbridge::common::persist
