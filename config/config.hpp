#pragma once

// The gateway's configuration as typed, validated values. One sub-struct per top-level key of
// the YAML file (the keys are fixed); every field carries its documented default
// (docs/configuration.md). Only config/ sees YAML: users of this header get plain values.
//
// Adding a key (one line each, see config/section_reader.hpp):
//   1. a field with its default in the section's struct below;
//   2. one `r.read("key", out.key, ...)` line in config/section_<name>.cpp;
//   3. the key with its default in docs/configuration.md and config/snbridge.yaml
//      (tests/config checks both).
// Keep every field equality-comparable (the structs default operator==).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/access_control.hpp"
#include "common/address_prefix.hpp"
#include "common/log.hpp"
#include "common/net_address.hpp"
#include "common/persist/store.hpp"
#include "common/result.hpp"

namespace snbridge::config {

/// `gateway:` who this gateway is.
struct gateway_section {
    /// GwId in ADVERTISE and GWINFO (MQTT-SN 1.2 §5.4.1, §5.4.3): 1..255.
    std::uint8_t id = 1;
    /// A name for log lines and the MQTT side (1..64 bytes).
    std::string name = "snbridge";
    /// Written with the process id at start (before dropping privileges, see `user`),
    /// removed at a clean stop; empty (`~`, the default): none.
    std::string pid_file;

    bool operator==(const gateway_section&) const = default;
};

/// `mqttsn.rate_limit:` token buckets per source address, before decoding (0: no limit).
struct rate_limit_section {
    std::uint32_t datagrams_per_second = 0;
    std::uint32_t bytes_per_second = 0;
    /// Bucket size in time of the rate: what a quiet address may send at once.
    std::chrono::milliseconds burst{1000};

    bool operator==(const rate_limit_section&) const = default;
};

/// `mqttsn.dtls.psk` item: a pre-shared key and the ClientIds its device may use.
struct dtls_psk_entry {
    std::string identity;
    std::vector<std::uint8_t> key; ///< written as hex in the file
    /// The ClientId (or, ending in '*', the prefix) a device with this identity must CONNECT
    /// with; empty: any. A ClientId named here is refused to every other device.
    std::string client_id;

    bool operator==(const dtls_psk_entry&) const = default;
};

/// `mqttsn.dtls:` the DTLS 1.2 listeners' keys, certificates and bounds (gateway/dtls_layer).
struct dtls_section {
    std::vector<dtls_psk_entry> psk;
    /// The gateway's certificate and key (PEM), for devices with certificates; ca_file: the CA
    /// their certificates must chain to (the certificate's CN is the identity, `%u`).
    std::string cert_file;
    std::string key_file;
    std::string ca_file;
    std::uint32_t max_handshakes = 64;
    std::uint32_t max_sessions = 10'000;
    std::chrono::milliseconds handshake_timeout{10'000};
    std::chrono::seconds idle_timeout{86'400};
    std::uint16_t mtu = 1200;

    bool operator==(const dtls_section&) const = default;
};

/// `mqttsn:` the MQTT-SN side: UDP listeners; discovery, timers and limits are added here.
struct mqttsn_section {
    /// UDP addresses to listen on ("ip:port" in the file). Default: port 1883 on every IPv4
    /// and every IPv6 address.
    std::vector<common::net_address> listen = default_listen();
    /// UDP addresses of the DTLS 1.2 listeners; empty (the default): none.
    std::vector<common::net_address> dtls_listen;
    dtls_section dtls{};

    // Session core (gateway/gateway_core): timers, discovery and limits.
    /// T_retry: gateway retransmission towards clients (spec-decisions rule 8), 100ms..1h.
    std::chrono::milliseconds retry_interval{10'000};
    /// N_retry: retransmissions before the gateway gives up on the client, 0..255.
    std::uint8_t retry_count = 5;
    /// ADVERTISE period T_ADV (§6.1), 0s (off)..65535s.
    std::chrono::seconds advertise_interval{900};
    /// spec-decisions rule 9: GWINFO also unicast to the SEARCHGW sender.
    bool gwinfo_unicast = true;
    /// Gateway discovery (§6.1): multicast groups ("ip:port"; at most one IPv4 and one IPv6)
    /// that ADVERTISE and GWINFO are sent to and SEARCHGW is received on. Empty: no multicast.
    std::vector<common::net_address> multicast{};
    /// TTL / hop limit of the gateway's own multicast (ADVERTISE), 1..255.
    std::uint8_t multicast_radius = 1;
    /// A CONNECT whose will handshake / MQTT-side open does not finish in time is dropped.
    std::chrono::milliseconds connect_timeout{30'000};
    std::uint32_t max_clients = 10'000;
    /// spec-decisions rule 13: longer ClientIds get CONNACK 0x03.
    std::uint16_t max_client_id_length = 64;
    std::uint16_t max_topics_per_client = 64;
    /// Messages waiting for delivery to an active client.
    std::uint16_t max_queued_messages = 64;
    /// Messages buffered for a sleeping client (§6.14).
    std::uint16_t sleep_buffer_size = 64;
    /// Client QoS 1/2 PUBLISH / SUBSCRIBE / UNSUBSCRIBE waiting for the MQTT side.
    std::uint16_t max_pending_from_client = 8;
    rate_limit_section rate_limit{};

    bool operator==(const mqttsn_section&) const = default;

    /// 0.0.0.0:1883 and [::]:1883.
    [[nodiscard]] static std::vector<common::net_address> default_listen();
};

/// `mode:` which MQTT side every session gets (docs/architecture.md "Layers").
enum class gateway_mode : std::uint8_t { broker, transparent, aggregating };

/// "broker", "transparent" or "aggregating".
[[nodiscard]] std::string_view to_string(gateway_mode m) noexcept;

/// Credentials of one device ClientId at the upstream broker (`upstream.credentials` item).
struct upstream_credentials {
    std::string client_id;
    std::string username; ///< empty: none sent
    std::string password; ///< empty: none sent

    bool operator==(const upstream_credentials&) const = default;
};

/// `upstream.tls:` used when `upstream.uri` is ssl:// (or mqtts://).
struct upstream_tls {
    std::string ca_file;   ///< PEM CA the broker certificate must chain to (empty: system's)
    std::string cert_file; ///< optional client certificate (PEM)
    std::string key_file;  ///< optional client private key (PEM)
    bool verify_hostname = true;

    bool operator==(const upstream_tls&) const = default;
};

/// `upstream.buffer:` Paho's send-while-disconnected buffer (docs/architecture.md "Custody").
struct upstream_buffer {
    std::uint32_t max_messages = 10000; ///< per upstream connection
    std::string persistence_dir;        ///< empty: memory only
    bool delete_oldest = false;         ///< when full: drop the oldest (true) or refuse

    bool operator==(const upstream_buffer&) const = default;
};

enum class mqtt_version : std::uint8_t { v3_1_1, v5 };

/// Which way an `upstream.topics` rule carries messages (Mosquitto's `topic ... in|out|both`).
enum class bridge_direction : std::uint8_t { in, out, both };

/// One `upstream.topics` item (aggregating mode): Mosquitto's
/// `topic PATTERN DIRECTION QOS LOCAL_PREFIX REMOTE_PREFIX`. A local topic
/// local_prefix + T is the remote topic remote_prefix + T, for every T matching `pattern`.
struct upstream_topic {
    std::string pattern;                                ///< a topic filter (wildcards allowed)
    bridge_direction direction = bridge_direction::out; ///< Mosquitto's default
    std::uint8_t qos = 0;        ///< QoS of the bridge's subscription on the source side
    std::string local_prefix{};  ///< no wildcards; usually ends with '/'
    std::string remote_prefix{}; ///< no wildcards; usually ends with '/'

    bool operator==(const upstream_topic&) const = default;
};

/// `upstream:` the remote MQTT broker (transparent and aggregating modes).
struct upstream_section {
    std::string uri = "tcp://127.0.0.1:1883";
    /// The gateway's own connection: shared one (aggregating), QoS −1 one (transparent).
    std::string client_id = "snbridge";
    std::string client_id_prefix; ///< transparent: prepended to each device ClientId
    std::string username;         ///< empty: none sent
    std::string password;         ///< empty: none sent
    std::vector<upstream_credentials> credentials; ///< per device ClientId (transparent)
    upstream_tls tls;
    std::chrono::seconds keep_alive{60};
    std::chrono::seconds connect_timeout{10};
    std::chrono::milliseconds reconnect_min{1000};
    std::chrono::milliseconds reconnect_max{60000};
    bool clean_session = false; ///< the gateway's shared connection (aggregating)
    mqtt_version protocol = mqtt_version::v3_1_1;
    upstream_buffer buffer;
    /// Aggregating: QoS 1/2 messages from upstream held while the local broker is congested.
    std::uint32_t offline_queue_max = 1000;
    /// Aggregating: what is bridged. nullopt (the key absent or ~): every local topic out,
    /// and in what the MQTT-SN devices subscribe to (docs/configuration.md).
    std::optional<std::vector<upstream_topic>> topics;
    /// Messages handed to Paho and not yet confirmed, per connection and in all.
    std::uint32_t max_unconfirmed = 4000;
    std::uint32_t max_unconfirmed_total = 4000;
    /// Gateway availability (as Zigbee2MQTT's bridge/state): a retained "online" on connect,
    /// "offline" as the connection's will and at a clean stop.
    bool availability = true;
    /// Its topic; empty: "<gateway.name>/bridge/state".
    std::string availability_topic;

    bool operator==(const upstream_section&) const = default;
};

/// A user of the broker's MQTT listener (`broker.mqtt_users` item).
struct broker_user {
    std::string username;
    std::string password;

    bool operator==(const broker_user&) const = default;
};

/// `broker:` the built-in broker (broker mode).
struct broker_section {
    // --- broker core (bridge/local/broker_core.hpp) ---------------------------------------
    /// Sessions kept at once: online clients (MQTT-SN and MQTT) plus persistent offline ones.
    std::uint32_t max_sessions = 10000;
    /// Topic filters one client may hold.
    std::uint32_t max_subscriptions_per_client = 256;
    /// QoS 1/2 messages queued per offline persistent session.
    std::uint32_t max_queued_messages = 1000;
    /// Topics holding a retained message.
    std::uint32_t max_retained_messages = 10000;
    /// Levels in a topic name or filter.
    std::uint32_t max_topic_levels = 64;

    // --- MQTT 3.1.1 TCP listener (issue 6; bridge/local/mqtt_listener.hpp) ---------------
    /// TCP addresses of the MQTT listener; empty (the default): no listener.
    std::vector<common::net_address> mqtt_listen;
    /// Accept MQTT clients that send no user name.
    bool mqtt_allow_anonymous = true;
    /// Users and passwords; a client that sends a user name must match one. A password is
    /// plain text or a mosquitto_passwd hash ($7$..., $6$...).
    std::vector<broker_user> mqtt_users;
    /// A Mosquitto password file (mosquitto_passwd: USER:HASH lines); empty: none.
    std::string mqtt_password_file;
    /// Its users, read by the loader (and again at every SIGHUP).
    std::vector<broker_user> mqtt_password_file_users;
    /// MQTT/TCP connections held at once.
    std::uint32_t mqtt_max_connections = 1024;
    /// Largest MQTT packet accepted from a client, in bytes, fixed header included.
    std::uint32_t mqtt_max_packet_size = 1048576;
    /// Outgoing QoS 1/2 messages awaiting acknowledgement per MQTT client.
    std::uint16_t mqtt_max_inflight = 20;
    /// Outgoing messages waiting for an in-flight slot per MQTT client.
    std::uint32_t mqtt_max_queued = 1000;
    /// TCP addresses of the MQTT listener with TLS (`mqtt_tls`); empty: none.
    std::vector<common::net_address> mqtt_tls_listen;
    /// Its certificate and key (PEM); ca_file: the CA of client certificates (empty: none
    /// asked for); require_certificate: refuse a client without one.
    struct tls_files {
        std::string cert_file;
        std::string key_file;
        std::string ca_file;
        bool require_certificate = false;
        bool operator==(const tls_files&) const = default;
    } mqtt_tls;
    /// Time a new TCP connection has to send CONNECT.
    std::chrono::milliseconds mqtt_connect_timeout{10000};
    /// Longest MQTT client identifier accepted.
    std::uint16_t mqtt_max_client_id_length = 128;
    /// An online consumer whose queue stays full this long without progress is disconnected
    /// as lost (docs/architecture.md "Custody").
    std::chrono::milliseconds stuck_consumer_timeout{30000};
    /// $SYS/broker/... figures every this long (as Mosquitto's sys_interval); 0: none (the
    /// per-sensor status topics still go out).
    std::chrono::seconds sys_interval{10};

    bool operator==(const broker_section&) const = default;
};

/// `topics:` predefined topic ids and topic rules.
struct predefined_topic_entry {
    std::uint16_t id = 0;
    std::string name;
    /// Empty: for every client; else only for this ClientId (shadows a global id).
    std::string client_id;
    bool operator==(const predefined_topic_entry&) const = default;
};

struct topics_section {
    /// Predefined topic ids (MQTT-SN 1.2 §6.7).
    std::vector<predefined_topic_entry> predefined;
    bool operator==(const topics_section&) const = default;
};

/// `clients:` allow-lists, credentials, QoS -1 senders.
struct qos_minus_one_section {
    /// Senders allowed to PUBLISH with QoS −1 (§6.8); empty = anyone.
    std::vector<common::address_prefix> senders;
    /// Topic names a QoS −1 PUBLISH may go to; empty = every predefined topic and short name.
    std::vector<std::string> topics;
    bool operator==(const qos_minus_one_section&) const = default;
};

struct clients_section {
    qos_minus_one_section qos_minus_one;
    /// ClientIds that may connect (MQTT-SN and MQTT); an entry ending in '*' is a prefix.
    /// Empty: any ClientId.
    std::vector<std::string> allowed_client_ids;
    /// Topic rules (docs/security.md); empty: every client may read and write every topic.
    std::vector<common::acl_rule> acl;
    bool operator==(const clients_section&) const = default;
};

/// Who may connect and what they may read and write: `clients:` plus the ClientIds that
/// `mqttsn.dtls.psk` binds to identities (shared by the gateway core and the MQTT listener).
[[nodiscard]] common::access_control access_control_of(const clients_section& clients,
                                                       const dtls_section& dtls);

/// `log:` logging.
struct log_section {
    /// One line per MQTT-SN packet, in Mosquitto's style (also `-v`).
    bool verbose = false;
    /// Lines below this level are not written.
    common::log::level level = common::log::level::info;
    /// Where lines go: "stderr", "syslog", "file:PATH" (each at most once).
    bool to_stderr = true;
    bool to_syslog = false;
    std::string file;

    bool operator==(const log_section&) const = default;
};

/// `persistence:` the state file (docs/persistence.md). Present only when `path` is set: off
/// when the section is absent or `path: ~`.
struct persistence_section {
    /// The SQLite file (its directory must exist; the file is created).
    std::string path;
    /// full: survives a power cut; normal: survives a crash of the process only.
    common::persist::sync_mode sync = common::persist::sync_mode::full;
    common::persist::bad_file_policy on_bad_file = common::persist::bad_file_policy::fail;
    /// Upper bound of the file in bytes; 0: none.
    std::uint64_t max_size = 0;

    bool operator==(const persistence_section&) const = default;

    /// What common::persist::store::open takes.
    [[nodiscard]] common::persist::options store_options() const {
        return {.path = path, .sync = sync, .on_bad_file = on_bad_file, .max_size_bytes = max_size};
    }
};

/// `http:` the monitoring listener: /metrics, the status page (docs/monitoring.md). Off when
/// `listen` is empty (the default).
struct http_section {
    std::vector<common::net_address> listen;
    /// Connections served at once; more are closed at accept.
    std::uint32_t max_connections = 16;

    bool operator==(const http_section&) const = default;
};

/// The whole configuration. A default-constructed value is the built-in default.
struct config {
    gateway_section gateway;
    mqttsn_section mqttsn;
    gateway_mode mode = gateway_mode::broker;
    upstream_section upstream;
    broker_section broker;
    topics_section topics;
    clients_section clients;
    log_section log;
    std::optional<persistence_section> persistence; ///< empty: persistence off
    http_section http;
    /// `user:` started as root, switch to this user (and its groups) once the sockets and
    /// files are open (as Mosquitto's `user`); empty (`~`, the default): stay as started.
    /// The loader checks that the user exists (getpwnam).
    std::string user;

    bool operator==(const config&) const = default;
};

/// The built-in defaults (what snbridge runs with when no file is given).
[[nodiscard]] config defaults();

/// Reads and validates a YAML file. On error, the message has one line per problem, each
/// "FILE:LINE:COLUMN: what is wrong" (1-based), in the order they appear in the file.
/// Startup only (blocking file read).
[[nodiscard]] common::result<config> load_file(const std::string& path);

/// As load_file, from text; `name` stands for the file name in messages.
[[nodiscard]] common::result<config> load_string(std::string_view text, std::string_view name);

/// Every key path the loader understands, e.g. "gateway.id", in the order it reads them
/// (keys inside list items are not included). For documentation checks and `--help`.
[[nodiscard]] std::vector<std::string> key_paths();

/// The key paths of key_paths() that the YAML `text` leaves at their defaults (or its load
/// error). For checking that an example file is complete.
[[nodiscard]] common::result<std::vector<std::string>> unset_keys(std::string_view text,
                                                                  std::string_view name);

} // namespace snbridge::config
