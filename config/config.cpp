#include "config/config.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>

#include "config/sections.hpp"

namespace snbridge::config {

std::vector<common::net_address> mqttsn_section::default_listen() {
    common::net_address any_v6;
    any_v6.fam = common::net_address::family::v6;
    any_v6.port = 1883;
    return {common::net_address::v4(0, 0, 0, 0, 1883), any_v6};
}

std::string_view to_string(gateway_mode m) noexcept {
    switch (m) {
    case gateway_mode::broker:
        return "broker";
    case gateway_mode::transparent:
        return "transparent";
    case gateway_mode::aggregating:
        return "aggregating";
    }
    return "broker";
}

config defaults() {
    return config{};
}

void check_across_sections(section_reader& top, const config& cfg) {
    // Issue 13 point 5: a section the mode does not use, set to anything but its defaults, is a
    // mistake (the sample file lists every section with its defaults, and stays valid). Said
    // only for a file without other errors: those come first.
    if (!top.diag().empty()) {
        return;
    }
    if (cfg.mode == gateway_mode::broker && top.has("upstream") &&
        !(cfg.upstream == upstream_section{})) {
        top.error("upstream", "is set, but mode broker does not use it (the built-in broker is "
                              "the MQTT side); set mode: transparent or aggregating, or remove it");
    }
    // broker.max_topic_levels bounds topics in every mode (gateway/core_settings).
    auto broker_part = cfg.broker;
    broker_part.max_topic_levels = broker_section{}.max_topic_levels;
    if (cfg.mode == gateway_mode::transparent && top.has("broker") &&
        !(broker_part == broker_section{})) {
        top.error("broker", "is set, but mode transparent has no built-in broker (every session "
                            "is on the upstream broker); set mode: broker or aggregating, or "
                            "remove it");
    }
}

namespace {

/// The top level: every section in the order of docs/configuration.md, then checks across sections.
void parse_top(section_reader& top, config& cfg) {
    top.section("gateway", [&](section_reader& r) { parse_gateway(r, cfg.gateway); });
    top.section("mqttsn", [&](section_reader& r) { parse_mqttsn(r, cfg.mqttsn); });
    top.read_enum("mode", cfg.mode,
                  {{"broker", gateway_mode::broker},
                   {"transparent", gateway_mode::transparent},
                   {"aggregating", gateway_mode::aggregating}});
    top.section("upstream", [&](section_reader& r) { parse_upstream(r, cfg.upstream); });
    top.section("broker", [&](section_reader& r) { parse_broker(r, cfg.broker); });
    top.section("topics", [&](section_reader& r) { parse_topics(r, cfg.topics); });
    top.section("clients", [&](section_reader& r) { parse_clients(r, cfg.clients); });
    top.section("log", [&](section_reader& r) { parse_log(r, cfg.log); });
    top.section("persistence", [&](section_reader& r) { parse_persistence(r, cfg.persistence); });
    top.section("http", [&](section_reader& r) { parse_http(r, cfg.http); });
    parse_user(top, cfg.user);
    check_across_sections(top, cfg);
}

/// Counts documents without building nodes.
class document_counter final : public YAML::EventHandler {
public:
    int documents = 0;
    YAML::Mark second_start = YAML::Mark::null_mark();

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (++documents == 2) {
            second_start = mark;
        }
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
};

/// Where a second YAML document starts, if there is one. (Not YAML::LoadAll: yaml-cpp 0.7
/// yields empty documents forever after some malformed input; here at most two are read.)
std::optional<YAML::Mark> second_document(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    document_counter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    if (counter.documents < 2) {
        return std::nullopt;
    }
    return counter.second_start;
}

/// Parses `text` into `cfg`, recording every problem in `diag`.
void parse(std::string_view text, config& cfg, diagnostics& diag) {
    try {
        const std::string input(text);
        const YAML::Node root = YAML::Load(input);
        const auto second = second_document(input);
        if (second) {
            diag.add(*second, "only one YAML document is allowed in a config file");
        }
        if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
            const value_ref top(diag, root, root.Mark(), "");
            diag.add(root.Mark(), "the top level must be a map of sections (gateway, mqttsn, "
                                  "mode, ...), got " +
                                      top.describe());
            return;
        }
        section_reader top(diag, root, "", true);
        parse_top(top, cfg);
        top.finish();
    } catch (const YAML::Exception& e) {
        // yaml-cpp's depth guard (YAML::DeepRecursion) carries a misleading "bad file"
        // message. Matched by text, not by type: DeepRecursion's type_info is not exported by
        // libyaml-cpp, so at -O3 a catch by that type does not match. We parse strings only,
        // so "bad file" cannot mean a file error here.
        if (e.msg == YAML::ErrorMsg::BAD_FILE) {
            diag.add(e.mark, "YAML syntax error: nested too deeply");
        } else {
            diag.add(e.mark, "YAML syntax error: " + e.msg);
        }
    }
}

} // namespace

common::result<config> load_string(std::string_view text, std::string_view name) {
    config cfg = defaults();
    diagnostics diag{std::string(name)};
    parse(text, cfg, diag);
    if (!diag.empty()) {
        return common::fail(common::error{diag.text()});
    }
    // docs/persistence.md "Restart": with persistence on, Paho's send-while-disconnected buffer
    // is kept on disk too, beside the state file, unless upstream.buffer.persistence_dir names
    // another directory.
    if (cfg.persistence && cfg.mode != gateway_mode::broker &&
        cfg.upstream.buffer.persistence_dir.empty()) {
        cfg.upstream.buffer.persistence_dir =
            (std::filesystem::path(cfg.persistence->path).parent_path() / "paho").string();
    }
    return cfg;
}

common::result<config> load_file(const std::string& path) {
    // A directory opens as a stream on Linux and reads as empty: it would load as the
    // defaults ("-c /etc" said valid).
    if (std::error_code ec; std::filesystem::is_directory(path, ec)) {
        return common::fail(
            common::error{path + ": cannot read: is a directory, not a config file"});
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return common::fail(common::error{path + ": cannot open: " + std::strerror(errno)});
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return common::fail(common::error{path + ": cannot read: " + std::strerror(errno)});
    }
    return load_string(text.str(), path);
}

common::result<std::vector<std::string>> unset_keys(std::string_view text, std::string_view name) {
    config cfg = defaults();
    diagnostics diag{std::string(name)};
    parse(text, cfg, diag);
    if (!diag.empty()) {
        return common::fail(common::error{diag.text()});
    }
    std::vector<std::string> out;
    for (const auto& k : diag.keys()) {
        if (!k.present) {
            out.push_back(k.path);
        }
    }
    return out;
}

std::vector<std::string> key_paths() {
    config cfg = defaults();
    diagnostics diag{"(defaults)"};
    parse("", cfg, diag);
    std::vector<std::string> out;
    for (const auto& k : diag.keys()) {
        out.push_back(k.path);
    }
    return out;
}

common::access_control access_control_of(const clients_section& clients, const dtls_section& dtls) {
    std::vector<common::identity_binding> bindings;
    for (const auto& p : dtls.psk) {
        if (!p.client_id.empty()) {
            bindings.push_back({p.identity, p.client_id});
        }
    }
    return {clients.allowed_client_ids, clients.acl, std::move(bindings)};
}

} // namespace snbridge::config
