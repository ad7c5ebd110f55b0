#pragma once

#include <string>

#include <tl/expected.hpp>

namespace snbridge::common {

/// A generic error with a human-readable message (startup, config, I/O set-up).
/// Hot-path code (codecs) uses its own small error enums with `result<T, E>`.
struct error {
    std::string message;
};

/// The project's one alias for expected values (g++ 12 has no std::expected).
template <class T, class E = error>
using result = tl::expected<T, E>;

/// Shorthand for building the error side: `return fail(error{"..."});`
template <class E>
[[nodiscard]] tl::unexpected<E> fail(E e) {
    return tl::unexpected<E>(std::move(e));
}

} // namespace snbridge::common
