#pragma once

// The small framework every section parser (config/section_<name>.cpp) uses. Internal to
// config/ (it includes yaml-cpp; nothing outside config/ may include it).
//
// A section parser reads each of its keys with ONE line; a missing key keeps the default that
// is already in the output struct; a bad value records an error at the value's file position and
// also keeps the default; keys nobody read are reported as unknown when the section ends:
//
//   void parse_gateway(section_reader& r, gateway_section& out) {
//       r.read("id", out.id, 1, 255);              // integer in range
//       r.read("name", out.name, 1, 64);           // string, 1..64 bytes
//   }
//
// Available: bool, any integer type (with range), std::string (with length range),
// std::chrono durations ("500ms", "10s", "5m", "1h"; a bare number is seconds, with range),
// common::net_address ("ip:port"), enums by name (read_enum), std::optional<T> of any of these
// (stays empty when absent), lists of strings / addresses / anything (read_list with a
// converter), nested maps (section) and lists of maps (each). For a check of your own, call
// r.error("key", "...") or value_ref::error.

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/net_address.hpp"

namespace snbridge::config {

/// Problems found in one file, each at a position, plus which keys were looked up.
class diagnostics {
public:
    explicit diagnostics(std::string file)
        : file_(std::move(file)) {}

    /// Records "FILE:LINE:COL: message" (a null mark gives "FILE: message").
    void add(const YAML::Mark& at, std::string message);
    [[nodiscard]] bool empty() const noexcept { return problems_.empty(); }
    /// All problems, ordered by position, one per line, no trailing newline.
    [[nodiscard]] std::string text() const;

    /// A leaf key the parsers asked for, and whether the file set it.
    struct key_use {
        std::string path;
        bool present = false;
    };
    void record_key(std::string path, bool present);
    [[nodiscard]] const std::vector<key_use>& keys() const noexcept { return keys_; }

private:
    struct problem {
        int line = -1;
        int column = -1;
        std::size_t order = 0;
        std::string text;
    };
    std::string file_;
    std::vector<problem> problems_;
    std::vector<key_use> keys_;
};

/// One YAML value at a known place (its dotted path, e.g. "mqttsn.listen[1]", and position).
/// Each as_*() returns the converted value, or records "PATH: must be ..., got ..." and
/// returns std::nullopt.
class value_ref {
public:
    value_ref(diagnostics& diag, YAML::Node node, YAML::Mark at, std::string path)
        : diag_(&diag)
        , node_(std::move(node))
        , mark_(at)
        , path_(std::move(path)) {}

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] const YAML::Node& node() const noexcept { return node_; }
    [[nodiscard]] const YAML::Mark& mark() const noexcept { return mark_; }
    [[nodiscard]] bool is_null() const { return node_.IsNull(); }

    template <class T>
    requires std::integral<T> &&(!std::same_as<T, bool>) [[nodiscard]] std::optional<T> as_int(
        std::type_identity_t<T> min = std::numeric_limits<T>::min(),
        std::type_identity_t<T> max = std::numeric_limits<T>::max()) {
        if constexpr (std::is_signed_v<T>) {
            const auto v = signed_in_range(min, max);
            return v ? std::optional<T>(static_cast<T>(*v)) : std::nullopt;
        } else {
            const auto v = unsigned_in_range(min, max);
            return v ? std::optional<T>(static_cast<T>(*v)) : std::nullopt;
        }
    }
    /// true/false (also yes/no, on/off; any letter case).
    [[nodiscard]] std::optional<bool> as_bool();
    /// A scalar's text, min_len..max_len bytes.
    [[nodiscard]] std::optional<std::string> as_string(std::size_t min_len = 0,
                                                       std::size_t max_len = 65535);
    /// "ip:port", see config/address.hpp.
    [[nodiscard]] std::optional<common::net_address> as_address();
    /// "<n>ms", "<n>s", "<n>m", "<n>h" or a bare number of seconds; min..max and a whole
    /// multiple of `unit`.
    [[nodiscard]] std::optional<std::chrono::milliseconds>
    as_duration(std::chrono::milliseconds min, std::chrono::milliseconds max,
                std::chrono::milliseconds unit = std::chrono::milliseconds(1));
    /// One of the given names, e.g. {{"broker", gateway_mode::broker}, ...}.
    template <class E>
    [[nodiscard]] std::optional<E>
    as_enum(std::initializer_list<std::pair<std::string_view, E>> names) {
        std::vector<std::string_view> texts;
        for (const auto& n : names) {
            texts.push_back(n.first);
        }
        const auto i = choice(texts);
        if (!i) {
            return std::nullopt;
        }
        return (names.begin() + *i)->second;
    }

    /// Records "PATH: what" at this value.
    void error(std::string_view what);
    /// Records "PATH: must be EXPECTED, got <this value>".
    void must_be(std::string_view expected);
    /// How this value reads in a message: "300" (quoted), a map, a list, nothing.
    [[nodiscard]] std::string describe() const;

private:
    [[nodiscard]] std::optional<long long> signed_in_range(long long min, long long max);
    [[nodiscard]] std::optional<unsigned long long> unsigned_in_range(unsigned long long min,
                                                                      unsigned long long max);
    [[nodiscard]] std::optional<std::size_t> choice(const std::vector<std::string_view>& names);

    diagnostics* diag_;
    YAML::Node node_;
    YAML::Mark mark_;
    std::string path_;
};

/// The keys of one YAML map ("gateway", "topics.predefined[0]", or the top level ""), read
/// one at a time; see the file comment.
class section_reader {
public:
    /// `map` must be a map or null (an absent or empty section).
    section_reader(diagnostics& diag, const YAML::Node& map, std::string path, bool record_keys);
    section_reader(const section_reader&) = delete;
    section_reader& operator=(const section_reader&) = delete;

    [[nodiscard]] const std::string& path() const noexcept { return path_; }
    [[nodiscard]] diagnostics& diag() noexcept { return *diag_; }

    /// Whether the file sets `key` (does not count as reading it).
    [[nodiscard]] bool has(std::string_view key) const;
    /// The value of `key`, marked as read; nullopt when absent.
    [[nodiscard]] std::optional<value_ref> value(std::string_view key);

    // Each read() leaves `out` unchanged when the key is absent or its value is bad, and
    // returns true when it stored a value from the file.
    bool read(std::string_view key, bool& out);
    template <class T>
    requires std::integral<T> &&(!std::same_as<T, bool>)bool read(
        std::string_view key, T& out, std::type_identity_t<T> min = std::numeric_limits<T>::min(),
        std::type_identity_t<T> max = std::numeric_limits<T>::max()) {
        return store(value(key), out, [&](value_ref& v) { return v.as_int<T>(min, max); });
    }
    bool read(std::string_view key, std::string& out, std::size_t min_len = 0,
              std::size_t max_len = 65535);
    bool read(std::string_view key, common::net_address& out);
    template <class Rep, class Period>
    bool read(std::string_view key, std::chrono::duration<Rep, Period>& out,
              std::type_identity_t<std::chrono::duration<Rep, Period>> min,
              std::type_identity_t<std::chrono::duration<Rep, Period>> max) {
        using std::chrono::duration_cast;
        using std::chrono::milliseconds;
        using D = std::chrono::duration<Rep, Period>;
        return store(value(key), out, [&](value_ref& v) -> std::optional<D> {
            const auto ms =
                v.as_duration(duration_cast<milliseconds>(min), duration_cast<milliseconds>(max),
                              std::max(milliseconds(1), duration_cast<milliseconds>(D(1))));
            return ms ? std::optional<D>(duration_cast<D>(*ms)) : std::nullopt;
        });
    }
    // Optional keys: `out` stays empty when the key is absent; the limits are as above.
    bool read(std::string_view key, std::optional<bool>& out) {
        return read_optional(key, out, [&](bool& v) { return read(key, v); });
    }
    template <class T>
    requires std::integral<T> &&(!std::same_as<T, bool>)bool read(
        std::string_view key, std::optional<T>& out,
        std::type_identity_t<T> min = std::numeric_limits<T>::min(),
        std::type_identity_t<T> max = std::numeric_limits<T>::max()) {
        return read_optional(key, out, [&](T& v) { return read(key, v, min, max); });
    }
    bool read(std::string_view key, std::optional<std::string>& out, std::size_t min_len = 0,
              std::size_t max_len = 65535) {
        return read_optional(key, out,
                             [&](std::string& v) { return read(key, v, min_len, max_len); });
    }
    bool read(std::string_view key, std::optional<common::net_address>& out) {
        return read_optional(key, out, [&](common::net_address& v) { return read(key, v); });
    }
    template <class Rep, class Period>
    bool read(std::string_view key, std::optional<std::chrono::duration<Rep, Period>>& out,
              std::type_identity_t<std::chrono::duration<Rep, Period>> min,
              std::type_identity_t<std::chrono::duration<Rep, Period>> max) {
        return read_optional(key, out, [&](std::chrono::duration<Rep, Period>& v) {
            return read(key, v, min, max);
        });
    }
    template <class E>
    bool read_enum(std::string_view key, E& out,
                   std::initializer_list<std::pair<std::string_view, E>> names) {
        return store(value(key), out, [&](value_ref& v) { return v.as_enum<E>(names); });
    }
    /// A list of strings, each min_len..max_len bytes; replaces `out` when the file sets it.
    bool read(std::string_view key, std::vector<std::string>& out, std::size_t min_items,
              std::size_t max_items, std::size_t min_len = 0, std::size_t max_len = 65535);
    /// A list of "ip:port" addresses without duplicates; replaces `out` when the file sets it.
    bool read(std::string_view key, std::vector<common::net_address>& out, std::size_t min_items,
              std::size_t max_items);
    /// A list of scalars (or anything) with a converter `std::optional<T>(value_ref&)`.
    template <class T, class Convert>
    bool read_list(std::string_view key, std::vector<T>& out, std::size_t min_items,
                   std::size_t max_items, Convert&& convert) {
        std::vector<value_ref> items;
        if (!list_items(key, min_items, max_items, items)) {
            return false;
        }
        std::vector<T> result;
        bool ok = true;
        for (auto& item : items) {
            auto v = convert(item);
            if (v) {
                result.push_back(std::move(*v));
            } else {
                ok = false;
            }
        }
        if (ok) {
            out = std::move(result);
        }
        return ok;
    }
    /// A nested map; `fn(section_reader&)` runs even when the key is absent (so defaults and
    /// cross-checks apply uniformly). Unknown keys inside are reported afterwards.
    template <class F>
    void section(std::string_view key, F&& fn) {
        YAML::Node node;
        if (!enter_map(key, node)) {
            return;
        }
        section_reader child(*diag_, node, join(key), record_keys_);
        fn(child);
        child.finish();
    }
    /// A list of maps; `fn(section_reader& item, std::size_t index)` runs once per item.
    /// Returns false when the key is absent or the list itself is malformed.
    template <class F>
    bool each(std::string_view key, std::size_t min_items, std::size_t max_items, F&& fn) {
        std::vector<value_ref> items;
        if (!list_items(key, min_items, max_items, items)) {
            return false;
        }
        std::size_t index = 0;
        for (auto& item : items) {
            if (item.node().IsMap()) {
                section_reader child(*diag_, item.node(), item.path(), false);
                fn(child, index);
                child.finish();
            } else {
                item.must_be("a map");
            }
            ++index;
        }
        return true;
    }

    /// Records "PATH.key: what" at the key's value (or at this section when absent).
    void error(std::string_view key, std::string_view what);
    /// Reports every key that no read() asked for, with a "did you mean" hint.
    void finish();

private:
    struct entry {
        std::string key;
        YAML::Node key_node;
        YAML::Node value;
        bool consumed = false;
    };

    template <class T, class Convert>
    static bool store(std::optional<value_ref> v, T& out, Convert&& convert) {
        if (!v) {
            return false;
        }
        auto converted = convert(*v);
        if (!converted) {
            return false;
        }
        out = std::move(*converted);
        return true;
    }
    template <class T, class Read>
    bool read_optional(std::string_view key, std::optional<T>& out, Read&& read_value) {
        if (!has(key)) {
            (void)value(key); // still a known key (key_paths, "did you mean")
            return false;
        }
        T v{};
        if (!read_value(v)) {
            return false;
        }
        out = std::move(v);
        return true;
    }
    [[nodiscard]] std::string join(std::string_view key) const;
    [[nodiscard]] const entry* find(std::string_view key) const;
    bool enter_map(std::string_view key, YAML::Node& node);
    bool list_items(std::string_view key, std::size_t min_items, std::size_t max_items,
                    std::vector<value_ref>& items);

    diagnostics* diag_;
    std::string path_;
    YAML::Mark mark_;
    bool record_keys_;
    std::vector<entry> entries_;
    std::vector<std::string> known_;
};

} // namespace snbridge::config
