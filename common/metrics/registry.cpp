#include "common/metrics/registry.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace snbridge::common::metrics {

namespace {

std::string_view kind_name(kind k) noexcept {
    switch (k) {
    case kind::counter:
        return "counter";
    case kind::gauge:
        return "gauge";
    case kind::histogram:
        return "histogram";
    }
    return "untyped";
}

/// Prometheus' number form: integers without a fraction, +Inf/-Inf/NaN spelled out.
void append_number(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    std::array<char, 400> buf{}; // fixed notation of any double fits
    // Fixed notation (0.0001, not 1e-04), shortest that reads back the same.
    const auto [end, ec] =
        std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
    out.append(buf.data(), ec == std::errc{} ? end : buf.data());
}

/// `{labels}` or `{labels,extra}` or nothing.
void append_labels(std::string& out, std::string_view ls, std::string_view extra = {}) {
    if (ls.empty() && extra.empty()) {
        return;
    }
    out += '{';
    out += ls;
    if (!ls.empty() && !extra.empty()) {
        out += ',';
    }
    out += extra;
    out += '}';
}

} // namespace

void histogram::observe(double v) noexcept {
    const auto it = std::lower_bound(cells_->bounds.begin(), cells_->bounds.end(), v);
    ++cells_->buckets[static_cast<std::size_t>(it - cells_->bounds.begin())];
    cells_->sum += v;
    ++cells_->count;
}

std::string registry::escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (const char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string registry::label_text(labels ls) {
    std::string out;
    for (const auto& l : ls) {
        if (!out.empty()) {
            out += ',';
        }
        out += l.name;
        out += "=\"";
        out += escape_label_value(l.value);
        out += '"';
    }
    return out;
}

registry::family& registry::family_of(std::string_view name, std::string_view help, kind k) {
    auto it = families_.find(name);
    if (it == families_.end()) {
        it = families_.emplace(std::string(name), family{}).first;
        it->second.help = std::string(help);
        it->second.k = k;
    }
    return it->second;
}

template <class Make>
std::size_t registry::series_of(std::string_view name, std::string_view help, kind k, labels ls,
                                Make make) {
    auto& f = family_of(name, help, k);
    auto text = label_text(ls);
    auto it = f.series.find(text);
    if (it == f.series.end()) {
        it = f.series.emplace(std::move(text), make()).first;
    }
    return it->second;
}

counter registry::counter_of(std::string_view name, std::string_view help, labels ls) {
    const auto i = series_of(name, help, kind::counter, ls, [this] {
        counters_.push_back(0);
        return counters_.size() - 1;
    });
    return counter(&counters_[i]);
}

gauge registry::gauge_of(std::string_view name, std::string_view help, labels ls) {
    const auto i = series_of(name, help, kind::gauge, ls, [this] {
        gauges_.push_back(0);
        return gauges_.size() - 1;
    });
    return gauge(&gauges_[i]);
}

histogram registry::histogram_of(std::string_view name, std::string_view help,
                                 std::vector<double> bounds, labels ls) {
    const auto i = series_of(name, help, kind::histogram, ls, [this, &bounds] {
        std::sort(bounds.begin(), bounds.end());
        histogram::cells c;
        c.buckets.assign(bounds.size() + 1, 0);
        c.bounds = std::move(bounds);
        histograms_.push_back(std::move(c));
        return histograms_.size() - 1;
    });
    return histogram(&histograms_[i]);
}

void registry::collect(std::string_view name, std::string_view help, kind k, collector fn) {
    auto& f = family_of(name, help, k);
    f.fn = std::move(fn);
}

void registry::forget(std::string_view name) {
    const auto it = families_.find(name);
    if (it != families_.end()) {
        it->second.fn = nullptr;
    }
}

template <class Fn>
void registry::each_series(const family& f, Fn&& fn) const {
    if (f.fn) {
        f.fn([&](labels ls, double v) { fn(label_text(ls), v); });
        return;
    }
    for (const auto& [text, index] : f.series) {
        switch (f.k) {
        case kind::counter:
            fn(text, static_cast<double>(counters_[index]));
            break;
        case kind::gauge:
            fn(text, gauges_[index]);
            break;
        case kind::histogram:
            break; // read through histogram cells by the callers that know them
        }
    }
}

std::optional<double> registry::value(std::string_view name, labels ls) const {
    const auto it = families_.find(name);
    if (it == families_.end()) {
        return std::nullopt;
    }
    const auto wanted = label_text(ls);
    std::optional<double> found;
    each_series(it->second, [&](const std::string& text, double v) {
        if (text == wanted) {
            found = v;
        }
    });
    if (!found && it->second.k == kind::histogram) {
        const auto s = it->second.series.find(wanted);
        if (s != it->second.series.end()) {
            found = static_cast<double>(histograms_[s->second].count);
        }
    }
    return found;
}

double registry::total(std::string_view name) const {
    const auto it = families_.find(name);
    if (it == families_.end()) {
        return 0;
    }
    double sum = 0;
    each_series(it->second, [&](const std::string&, double v) { sum += v; });
    return sum;
}

std::vector<sample> registry::samples() const {
    std::vector<sample> out;
    for (const auto& [family_name, f] : families_) {
        const std::string& name = family_name; // a lambda below uses it (clang 14)
        if (f.k == kind::histogram) {
            for (const auto& [text, index] : f.series) {
                const auto& c = histograms_[index];
                out.push_back({name + "_count", text, static_cast<double>(c.count)});
                out.push_back({name + "_sum", text, c.sum});
            }
            continue;
        }
        each_series(f, [&](const std::string& text, double v) { out.push_back({name, text, v}); });
    }
    return out;
}

std::string registry::prometheus_text() const {
    std::string out;
    out.reserve(families_.size() * 160);
    for (const auto& [family_name, f] : families_) {
        const std::string& name = family_name; // a lambda below uses it (clang 14)
        std::string body;
        if (f.k == kind::histogram) {
            for (const auto& [text, index] : f.series) {
                const auto& c = histograms_[index];
                std::uint64_t cumulative = 0;
                for (std::size_t i = 0; i <= c.bounds.size(); ++i) {
                    cumulative += c.buckets[i];
                    std::string le = "le=\"";
                    if (i < c.bounds.size()) {
                        append_number(le, c.bounds[i]);
                    } else {
                        le += "+Inf";
                    }
                    le += '"';
                    body += name + "_bucket";
                    append_labels(body, text, le);
                    body += ' ';
                    append_number(body, static_cast<double>(cumulative));
                    body += '\n';
                }
                body += name + "_sum";
                append_labels(body, text);
                body += ' ';
                append_number(body, c.sum);
                body += '\n';
                body += name + "_count";
                append_labels(body, text);
                body += ' ';
                append_number(body, static_cast<double>(c.count));
                body += '\n';
            }
        } else {
            each_series(f, [&](const std::string& text, double v) {
                body += name;
                append_labels(body, text);
                body += ' ';
                append_number(body, v);
                body += '\n';
            });
        }
        if (body.empty()) {
            continue; // a collector with nothing to report: no empty family
        }
        out += "# HELP " + name + ' ' + f.help + '\n';
        out += "# TYPE " + name + ' ';
        out += kind_name(f.k);
        out += '\n';
        out += body;
    }
    return out;
}

} // namespace snbridge::common::metrics
