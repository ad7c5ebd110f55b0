#include "config/section_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <tuple>

#include "config/address.hpp"

namespace snbridge::config {

namespace {

constexpr std::string_view address_example = R"("ip:port", e.g. "0.0.0.0:1883" or "[::]:1883")";

std::string quoted(std::string_view text) {
    std::string out = "\"";
    out += text;
    out += '"';
    return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// Optimal string alignment distance (Levenshtein plus adjacent transpositions), for the
/// "did you mean" hint.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    const std::size_t w = b.size() + 1;
    std::vector<std::size_t> d((a.size() + 1) * w);
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i * w] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            std::size_t best = std::min(
                {d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                best = std::min(best, d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = best;
        }
    }
    return d[a.size() * w + b.size()];
}

std::string format_duration(std::chrono::milliseconds d) {
    const auto ms = d.count();
    if (ms != 0 && ms % 3'600'000 == 0) {
        return std::to_string(ms / 3'600'000) + "h";
    }
    if (ms != 0 && ms % 60'000 == 0) {
        return std::to_string(ms / 60'000) + "m";
    }
    if (ms % 1000 == 0) {
        return std::to_string(ms / 1000) + "s";
    }
    return std::to_string(ms) + "ms";
}

/// "<digits>[ms|s|m|h]"; a bare number is seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    long long n = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, n);
    if (ec != std::errc{} || ptr == text.data() || n < 0) {
        return std::nullopt;
    }
    const std::string_view unit(ptr, static_cast<std::size_t>(end - ptr));
    long long scale = 0;
    if (unit.empty() || unit == "s") {
        scale = 1000;
    } else if (unit == "ms") {
        scale = 1;
    } else if (unit == "m") {
        scale = 60'000;
    } else if (unit == "h") {
        scale = 3'600'000;
    } else {
        return std::nullopt;
    }
    if (n > std::numeric_limits<long long>::max() / scale) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(n * scale);
}

} // namespace

// ---- diagnostics ----

void diagnostics::add(const YAML::Mark& at, std::string message) {
    problem p;
    p.order = problems_.size();
    if (at.is_null()) {
        p.text = file_ + ": " + message;
    } else {
        p.line = at.line + 1;
        p.column = at.column + 1;
        p.text =
            file_ + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": " + message;
    }
    problems_.push_back(std::move(p));
}

std::string diagnostics::text() const {
    auto sorted = problems_;
    // Problems without a position last; otherwise in file order.
    std::sort(sorted.begin(), sorted.end(), [](const problem& a, const problem& b) {
        const auto key = [](const problem& p) {
            return std::tuple(p.line < 0, p.line, p.column, p.order);
        };
        return key(a) < key(b);
    });
    std::string out;
    for (const auto& p : sorted) {
        if (!out.empty()) {
            out += '\n';
        }
        out += p.text;
    }
    return out;
}

void diagnostics::record_key(std::string path, bool present) {
    for (auto& k : keys_) {
        if (k.path == path) {
            k.present = k.present || present;
            return;
        }
    }
    keys_.push_back(key_use{std::move(path), present});
}

// ---- value_ref ----

std::string value_ref::describe() const {
    if (node_.IsNull()) {
        return "nothing";
    }
    if (node_.IsMap()) {
        return "a map";
    }
    if (node_.IsSequence()) {
        return "a list";
    }
    return quoted(node_.Scalar());
}

void value_ref::error(std::string_view what) {
    std::string message = path_;
    message += ": ";
    message += what;
    diag_->add(mark_, std::move(message));
}

void value_ref::must_be(std::string_view expected) {
    std::string what = "must be ";
    what += expected;
    what += ", got ";
    what += describe();
    error(what);
}

std::optional<long long> value_ref::signed_in_range(long long min, long long max) {
    const auto expected =
        "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    if (!node_.IsScalar()) {
        must_be(expected);
        return std::nullopt;
    }
    std::string_view text = node_.Scalar();
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    long long v = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc{} || ptr != end || v < min || v > max) {
        must_be(expected);
        return std::nullopt;
    }
    return v;
}

std::optional<unsigned long long> value_ref::unsigned_in_range(unsigned long long min,
                                                               unsigned long long max) {
    const auto expected =
        "an integer between " + std::to_string(min) + " and " + std::to_string(max);
    if (!node_.IsScalar()) {
        must_be(expected);
        return std::nullopt;
    }
    std::string_view text = node_.Scalar();
    if (!text.empty() && text.front() == '+') {
        text.remove_prefix(1);
    }
    unsigned long long v = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (text.empty() || ec != std::errc{} || ptr != end || v < min || v > max) {
        must_be(expected);
        return std::nullopt;
    }
    return v;
}

std::optional<bool> value_ref::as_bool() {
    if (node_.IsScalar()) {
        const std::string& text = node_.Scalar();
        for (const auto* yes : {"true", "yes", "on"}) {
            if (equal_ignoring_case(text, yes)) {
                return true;
            }
        }
        for (const auto* no : {"false", "no", "off"}) {
            if (equal_ignoring_case(text, no)) {
                return false;
            }
        }
    }
    must_be("true or false");
    return std::nullopt;
}

std::optional<std::string> value_ref::as_string(std::size_t min_len, std::size_t max_len) {
    std::string expected;
    if (min_len == 0 && max_len >= 65535) {
        expected = "a string";
    } else if (min_len == 1 && max_len >= 65535) {
        expected = "a non-empty string";
    } else if (min_len == 0) {
        expected = "a string of at most " + std::to_string(max_len) + " bytes";
    } else {
        expected =
            "a string of " + std::to_string(min_len) + " to " + std::to_string(max_len) + " bytes";
    }
    if (!node_.IsScalar() || node_.Scalar().size() < min_len || node_.Scalar().size() > max_len) {
        must_be(expected);
        return std::nullopt;
    }
    return node_.Scalar();
}

std::optional<common::net_address> value_ref::as_address() {
    if (!node_.IsScalar()) {
        must_be(address_example);
        return std::nullopt;
    }
    auto parsed = parse_address(node_.Scalar());
    if (!parsed) {
        error("must be " + std::string(address_example) + ", got " + describe() + " (" +
              parsed.error().message + ")");
        return std::nullopt;
    }
    return *parsed;
}

std::optional<std::chrono::milliseconds> value_ref::as_duration(std::chrono::milliseconds min,
                                                                std::chrono::milliseconds max,
                                                                std::chrono::milliseconds unit) {
    std::string expected =
        "a duration between " + format_duration(min) + " and " + format_duration(max);
    if (unit > std::chrono::milliseconds(1)) {
        expected += " in steps of " + format_duration(unit);
    }
    expected += R"( (e.g. "10s", "500ms", "5m"))";
    if (!node_.IsScalar()) {
        must_be(expected);
        return std::nullopt;
    }
    const auto d = parse_duration(node_.Scalar());
    if (!d || *d < min || *d > max || d->count() % unit.count() != 0) {
        must_be(expected);
        return std::nullopt;
    }
    return d;
}

std::optional<std::size_t> value_ref::choice(const std::vector<std::string_view>& names) {
    if (node_.IsScalar()) {
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (node_.Scalar() == names[i]) {
                return i;
            }
        }
    }
    std::string expected = "one of ";
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i != 0) {
            expected += ", ";
        }
        expected += names[i];
    }
    must_be(expected);
    return std::nullopt;
}

// ---- section_reader ----

section_reader::section_reader(diagnostics& diag, const YAML::Node& map, std::string path,
                               bool record_keys)
    : diag_(&diag)
    , path_(std::move(path))
    , mark_(map.IsDefined() && !map.IsNull() ? map.Mark() : YAML::Mark::null_mark())
    , record_keys_(record_keys) {
    if (!map.IsMap()) {
        return;
    }
    const std::string where = path_.empty() ? "the top level" : path_;
    for (auto it = map.begin(); it != map.end(); ++it) {
        // Copies: `it->` yields a proxy that dies at the end of the expression.
        const YAML::Node key = it->first;
        const YAML::Node value = it->second;
        if (!key.IsScalar()) {
            const value_ref bad_key(diag, key, key.Mark(), "");
            diag_->add(key.Mark(),
                       "a key in " + where + " must be a name, got " + bad_key.describe());
            continue;
        }
        if (const auto* first = find(key.Scalar())) {
            diag_->add(key.Mark(), "duplicate key '" + key.Scalar() + "' in " + where +
                                       ", first set at line " +
                                       std::to_string(first->key_node.Mark().line + 1));
            continue;
        }
        entries_.push_back(entry{key.Scalar(), key, value, false});
    }
}

std::string section_reader::join(std::string_view key) const {
    std::string out = path_;
    if (!out.empty()) {
        out += '.';
    }
    out += key;
    return out;
}

const section_reader::entry* section_reader::find(std::string_view key) const {
    for (const auto& e : entries_) {
        if (e.key == key) {
            return &e;
        }
    }
    return nullptr;
}

bool section_reader::has(std::string_view key) const {
    return find(key) != nullptr;
}

std::optional<value_ref> section_reader::value(std::string_view key) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
        known_.emplace_back(key);
    }
    auto* e = const_cast<entry*>(find(key));
    if (record_keys_) {
        diag_->record_key(join(key), e != nullptr);
    }
    if (e == nullptr) {
        return std::nullopt;
    }
    e->consumed = true;
    // A null value has no useful position of its own (yaml-cpp puts it at the next token).
    const YAML::Mark at = e->value.IsNull() ? e->key_node.Mark() : e->value.Mark();
    return value_ref(*diag_, e->value, at, join(key));
}

bool section_reader::read(std::string_view key, bool& out) {
    return store(value(key), out, [](value_ref& v) { return v.as_bool(); });
}

bool section_reader::read(std::string_view key, std::string& out, std::size_t min_len,
                          std::size_t max_len) {
    return store(value(key), out, [&](value_ref& v) { return v.as_string(min_len, max_len); });
}

bool section_reader::read(std::string_view key, common::net_address& out) {
    return store(value(key), out, [](value_ref& v) { return v.as_address(); });
}

bool section_reader::read(std::string_view key, std::vector<std::string>& out,
                          std::size_t min_items, std::size_t max_items, std::size_t min_len,
                          std::size_t max_len) {
    return read_list(key, out, min_items, max_items,
                     [&](value_ref& v) { return v.as_string(min_len, max_len); });
}

bool section_reader::read(std::string_view key, std::vector<common::net_address>& out,
                          std::size_t min_items, std::size_t max_items) {
    std::vector<value_ref> items;
    if (!list_items(key, min_items, max_items, items)) {
        return false;
    }
    std::vector<common::net_address> result;
    bool ok = true;
    for (auto& item : items) {
        const auto a = item.as_address();
        if (!a) {
            ok = false;
            continue;
        }
        if (std::find(result.begin(), result.end(), *a) != result.end()) {
            item.error("duplicate address " + a->to_string());
            ok = false;
            continue;
        }
        result.push_back(*a);
    }
    if (ok) {
        out = std::move(result);
    }
    return ok;
}

bool section_reader::enter_map(std::string_view key, YAML::Node& node) {
    auto v = value(key);
    if (!v || v->is_null()) {
        node = YAML::Node();
        return true;
    }
    if (!v->node().IsMap()) {
        v->must_be("a map");
        return false;
    }
    node = v->node();
    return true;
}

bool section_reader::list_items(std::string_view key, std::size_t min_items, std::size_t max_items,
                                std::vector<value_ref>& items) {
    auto v = value(key);
    if (!v) {
        return false;
    }
    if (!v->is_null() && !v->node().IsSequence()) {
        v->must_be("a list");
        return false;
    }
    const std::size_t n = v->is_null() ? 0 : v->node().size();
    if (n < min_items || n > max_items) {
        std::string what = "must have ";
        if (n < min_items) {
            what += "at least " + std::to_string(min_items);
        } else {
            what += "at most " + std::to_string(max_items);
        }
        what += (min_items == 1 && n < min_items) ? " item" : " items";
        what += ", got " + std::to_string(n);
        v->error(what);
        return false;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const YAML::Node item = v->node()[i];
        const YAML::Mark at = item.Mark().is_null() ? v->mark() : item.Mark();
        items.emplace_back(*diag_, item, at, v->path() + "[" + std::to_string(i) + "]");
    }
    return true;
}

void section_reader::error(std::string_view key, std::string_view what) {
    const auto* e = find(key);
    YAML::Mark at = mark_;
    if (e != nullptr) {
        at = e->value.IsNull() ? e->key_node.Mark() : e->value.Mark();
    }
    std::string message = join(key);
    message += ": ";
    message += what;
    diag_->add(at, std::move(message));
}

void section_reader::finish() {
    const std::string where = path_.empty() ? "the top level" : path_;
    for (auto& e : entries_) {
        if (e.consumed) {
            continue;
        }
        e.consumed = true;
        std::string message = "unknown key '" + e.key + "' in " + where;
        const std::string* best = nullptr;
        std::size_t best_distance = 3;
        for (const auto& k : known_) {
            const auto d = edit_distance(e.key, k);
            if (d < best_distance && d * 3 <= k.size()) {
                best = &k;
                best_distance = d;
            }
        }
        if (best != nullptr) {
            message += " (did you mean '" + *best + "'?)";
        }
        diag_->add(e.key_node.Mark(), std::move(message));
    }
}

} // namespace snbridge::config
