#pragma once

// The process's one table of counters and gauges (docs/monitoring.md), in the spirit of
// Mosquitto's sys_tree: every layer counts into cells of this registry, and everything that
// reports - /metrics (Prometheus text), $SYS on the built-in broker, the status page, SIGUSR1
// and the exit summary - reads them from here.
//
// A series is a family name (Prometheus conventions: snake_case, `_total` for counters, base
// units) plus a fixed set of labels. Asking twice for the same series gives the same cell, so
// a layer binds its counters once, at construction, and increments them with no look-up.
// Values computed when read (sessions by state, queue depths) are collectors: a function the
// registry calls at every read. Loop thread only; cells never move while the registry lives.

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace snbridge::common::metrics {

enum class kind : std::uint8_t { counter, gauge, histogram };

/// One label of a series: name="value". Names are chosen by the code; values may come from
/// the network (a ClientId) and are escaped on exposition.
struct label {
    std::string_view name;
    std::string_view value;
};
using labels = std::initializer_list<label>;

/// A monotonic count, a handle on a registry cell (copying copies the handle).
class counter {
public:
    counter() = default;
    explicit counter(std::uint64_t* cell) noexcept
        : cell_(cell) {}
    counter& operator++() noexcept {
        ++*cell_;
        return *this;
    }
    counter& operator+=(std::uint64_t n) noexcept {
        *cell_ += n;
        return *this;
    }
    [[nodiscard]] std::uint64_t value() const noexcept { return *cell_; }
    // NOLINTNEXTLINE(google-explicit-constructor): reads like the integer it replaced
    operator std::uint64_t() const noexcept { return *cell_; }

private:
    std::uint64_t* cell_ = nullptr;
};

/// A value that goes up and down (a handle on a registry cell).
class gauge {
public:
    gauge() = default;
    explicit gauge(double* cell) noexcept
        : cell_(cell) {}
    void set(double v) noexcept { *cell_ = v; }
    void add(double d) noexcept { *cell_ += d; }
    [[nodiscard]] double value() const noexcept { return *cell_; }

private:
    double* cell_ = nullptr;
};

/// Observations counted into fixed buckets (upper bounds, in the family's base unit).
class histogram {
public:
    struct cells {
        std::vector<double> bounds;         ///< ascending; +Inf is implicit
        std::vector<std::uint64_t> buckets; ///< per bound, not cumulative; last: above all
        double sum = 0;
        std::uint64_t count = 0;
    };
    histogram() = default;
    explicit histogram(cells* c) noexcept
        : cells_(c) {}
    void observe(double v) noexcept;
    [[nodiscard]] std::uint64_t count() const noexcept { return cells_->count; }
    [[nodiscard]] double sum() const noexcept { return cells_->sum; }

private:
    cells* cells_ = nullptr;
};

/// One value read from the registry (a cell, or what a collector emitted).
struct sample {
    std::string family;
    std::string labels; ///< exposition form without braces: reason="truncated",qos="1"
    double value = 0;
};

class registry {
public:
    /// What a collector calls once per series it reports.
    using emit = std::function<void(labels, double)>;
    using collector = std::function<void(const emit&)>;

    registry() = default;
    registry(const registry&) = delete;
    registry& operator=(const registry&) = delete;

    /// The counter of family `name` with `ls` (created at 0 on first use). `help` is kept from
    /// the first call of the family.
    [[nodiscard]] counter counter_of(std::string_view name, std::string_view help, labels ls = {});
    [[nodiscard]] gauge gauge_of(std::string_view name, std::string_view help, labels ls = {});
    /// `bounds` ascending, used on the family's first call.
    [[nodiscard]] histogram histogram_of(std::string_view name, std::string_view help,
                                         std::vector<double> bounds, labels ls = {});
    /// A family whose series are computed at each read by `fn` (kind counter or gauge).
    /// Replaces an earlier collector of the same family.
    void collect(std::string_view name, std::string_view help, kind k, collector fn);
    /// Removes a collector (its owner is going away).
    void forget(std::string_view name);

    /// The value of one series (nullopt: no such series). Labels in the order they were bound.
    [[nodiscard]] std::optional<double> value(std::string_view name, labels ls = {}) const;
    /// The sum of every series of a family (0 when absent).
    [[nodiscard]] double total(std::string_view name) const;
    /// Every series, in family-name order (histograms as _count and _sum).
    [[nodiscard]] std::vector<sample> samples() const;

    /// The Prometheus text exposition format 0.0.4 of everything.
    [[nodiscard]] std::string prometheus_text() const;

    /// `v` with \\, " and newline escaped, as a label value.
    [[nodiscard]] static std::string escape_label_value(std::string_view v);

private:
    struct family {
        std::string help;
        kind k = kind::counter;
        /// label text -> index into the matching deque
        std::map<std::string, std::size_t, std::less<>> series;
        collector fn;
    };
    [[nodiscard]] static std::string label_text(labels ls);
    family& family_of(std::string_view name, std::string_view help, kind k);
    /// The cell index of the series `ls` of family `name`; `make()` adds a cell when new.
    template <class Make>
    std::size_t series_of(std::string_view name, std::string_view help, kind k, labels ls,
                          Make make);
    /// Calls fn(labels_text, value) for every series of f (collectors run).
    template <class Fn>
    void each_series(const family& f, Fn&& fn) const;

    std::map<std::string, family, std::less<>> families_;
    std::deque<std::uint64_t> counters_;
    std::deque<double> gauges_;
    std::deque<histogram::cells> histograms_;
};

} // namespace snbridge::common::metrics
