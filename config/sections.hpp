#pragma once

// One parser per top-level key, each in its own file config/section_<name>.cpp, so that keys
// can be added to different sections in parallel. Internal to config/.

#include "config/config.hpp"
#include "config/section_reader.hpp"

namespace snbridge::config {

/// Each reads its section's keys into `out` (which holds the defaults). They run even when
/// the section is absent from the file.
void parse_gateway(section_reader& r, gateway_section& out);
void parse_mqttsn(section_reader& r, mqttsn_section& out);
void parse_upstream(section_reader& r, upstream_section& out);
void parse_broker(section_reader& r, broker_section& out);
void parse_topics(section_reader& r, topics_section& out);
void parse_clients(section_reader& r, clients_section& out);
void parse_log(section_reader& r, log_section& out);
/// Sets `out` only when the section turns persistence on (a path that is not ~).
void parse_persistence(section_reader& r, std::optional<persistence_section>& out);
void parse_http(section_reader& r, http_section& out);
/// The top-level `user:` key (read from the top-level reader): a user name that must exist.
void parse_user(section_reader& top, std::string& out);

/// A PEM file key (upstream.tls, broker.mqtt_tls): null (~) or absent means none; "" is a
/// mistake; the file must open and OpenSSL must read a certificate (a private key for a key
/// named key_file) from it. In config/section_upstream.cpp.
void read_pem_file(section_reader& t, std::string_view key, std::string& out,
                   std::string_view when_absent);

/// Checks that need more than one section (e.g. a mode that needs an upstream), after all
/// sections are read. In config/config.cpp.
void check_across_sections(section_reader& top, const config& cfg);

} // namespace snbridge::config
