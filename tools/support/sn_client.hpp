#pragma once

// A small synchronous MQTT-SN v1.2 client over one connected UDP socket (IPv4 or IPv6), for
// snbridge-pub/-sub and for integration tests. Every request blocks until its answer arrives
// or the timeout passes; while it waits, incoming REGISTER/PUBLISH/PUBREL/PINGREQ are answered
// and PUBLISHes are queued for receive(). Never throws on network input. Single-threaded.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mqttsn/packet.hpp"
#include "common/result.hpp"
#include "tools/support/dtls_channel.hpp"

namespace snbridge::tools {

namespace sn = common::mqttsn;

/// Why a client call failed. Maps 1:1 onto the exit codes of snbridge-pub/-sub.
enum class client_errc : std::uint8_t {
    bad_argument, ///< caller error (bad topic, empty client id, ...)
    network,      ///< name resolution, socket or send failure
    timeout,      ///< no answer within the timeout (after retries)
    refused,      ///< CONNACK/REGACK/SUBACK/PUBACK with a non-zero return code (see rc)
    disconnected, ///< the gateway sent DISCONNECT
    protocol,     ///< an unexpected answer
};

struct client_error {
    client_errc code = client_errc::protocol;
    std::string message;
    sn::return_code rc = sn::return_code::accepted; ///< meaningful for `refused`
};

template <class T>
using client_result = common::result<T, client_error>;

/// Where the gateway is and how to reach it.
struct endpoint_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    enum class family : std::uint8_t { any, v4, v6 } ip_family = family::any;
    /// Timeout of each request/answer exchange (all retransmissions included).
    std::chrono::milliseconds timeout{5000};
    /// Retransmit an unanswered request (DUP set where the message has it) after this long;
    /// zero = send once only (MQTT-SN 1.2 §6.13 T_retry).
    std::chrono::milliseconds retry_interval{0};
    /// MQTT-SN 1.2 §5.5: wrap every message in an Encapsulated message, as a forwarder would.
    bool forwarder_encapsulation = false;
    std::vector<std::uint8_t> wireless_node_id{'n', 'o', 'd', 'e'};
    std::uint8_t radius = 1;
    /// Called with every message sent (true) or received (false), after (before)
    /// encapsulation is removed (added); for `-d` debug output. Optional.
    std::function<void(bool sent, const sn::packet&)> trace;
    /// DTLS 1.2 to a `mqttsn.dtls_listen` port (--psk/--psk-identity or --cert/--key, with
    /// --cafile); not enabled(): plain UDP.
    dtls_settings dtls{};
};

struct will_options {
    std::string topic;
    std::vector<std::uint8_t> payload;
    sn::qos qos_level = sn::qos::zero;
    bool retain = false;
};

struct connect_options {
    std::string client_id;
    std::uint16_t keep_alive = 60; ///< seconds; 0 = no keep-alive supervision
    bool clean_session = true;
    std::optional<will_options> will;
};

/// A topic as MQTT-SN addresses it: a name (normal; registered or subscribed), a predefined
/// id, or a 2-character short name.
struct topic_ref {
    sn::topic_id_type type = sn::topic_id_type::normal;
    std::uint16_t id = 0;
    std::string name;

    [[nodiscard]] static topic_ref normal(std::string n) {
        return {sn::topic_id_type::normal, 0, std::move(n)};
    }
    /// A normal topic id the gateway already assigned (REGACK/SUBACK).
    [[nodiscard]] static topic_ref normal_id(std::uint16_t i) {
        return {sn::topic_id_type::normal, i, {}};
    }
    [[nodiscard]] static topic_ref predefined(std::uint16_t i) {
        return {sn::topic_id_type::predefined, i, {}};
    }
    /// `n` must be exactly 2 bytes.
    [[nodiscard]] static topic_ref short_name(std::string n) {
        return {sn::topic_id_type::short_name, 0, std::move(n)};
    }
};

/// A PUBLISH received from the gateway.
struct message {
    std::string topic; ///< name if known (REGISTER/SUBACK/short/add_predefined), else empty
    sn::topic_id_type topic_type = sn::topic_id_type::normal;
    std::uint16_t topic_id = 0;
    sn::qos qos_level = sn::qos::zero;
    bool retain = false;
    bool dup = false;
    std::vector<std::uint8_t> payload;
};

struct subscription {
    std::uint16_t topic_id = 0; ///< 0 for a wildcard filter
    sn::qos granted = sn::qos::zero;
};

class sn_client {
public:
    /// Resolves the host and opens a UDP socket connected to it (no packet is sent).
    [[nodiscard]] static client_result<sn_client> open(const endpoint_options& ep);

    sn_client(sn_client&& other) noexcept;
    sn_client& operator=(sn_client&& other) noexcept;
    sn_client(const sn_client&) = delete;
    sn_client& operator=(const sn_client&) = delete;
    ~sn_client();

    /// CONNECT, then the will handshake (WILLTOPICREQ/WILLMSGREQ) if a will is set, then
    /// CONNACK. A non-zero CONNACK return code is `refused` with rc set. MQTT-SN 1.2 §6.3.
    client_result<void> connect(const connect_options& opts);
    /// REGISTER a topic name; returns the gateway's topic id (cached). MQTT-SN 1.2 §6.5.
    client_result<std::uint16_t> register_topic(std::string_view name);
    /// PUBLISH with the full handshake of its QoS (PUBACK; PUBREC/PUBREL/PUBCOMP). A normal
    /// topic given by name is REGISTERed first unless already known. QoS −1 needs no
    /// connection and takes a predefined or short topic only. MQTT-SN 1.2 §6.8.
    client_result<void> publish(const topic_ref& topic, std::span<const std::uint8_t> payload,
                                sn::qos q, bool retain = false);
    /// SUBSCRIBE by name (wildcards allowed), short name or predefined id. MQTT-SN 1.2 §6.9.
    client_result<subscription> subscribe(const topic_ref& topic, sn::qos q);
    client_result<void> unsubscribe(const topic_ref& topic);
    /// PINGREQ (no ClientId) and wait for PINGRESP. MQTT-SN 1.2 §6.11.
    client_result<void> ping();
    /// DISCONNECT with a sleep duration in seconds; waits for the gateway's DISCONNECT.
    client_result<void> sleep(std::uint16_t seconds);
    /// PINGREQ(ClientId): wakes up, answers and collects the buffered PUBLISHes until PINGRESP
    /// (MQTT-SN 1.2 §6.14). The messages are returned, not queued for receive().
    client_result<std::vector<message>> wake();
    /// DISCONNECT without duration; waits for the gateway's DISCONNECT.
    client_result<void> disconnect();

    /// Next received PUBLISH (queued ones first), answering the QoS handshake. nullopt when
    /// `timeout` passes first. A DISCONNECT from the gateway gives `disconnected`.
    client_result<std::optional<message>> receive(std::chrono::milliseconds timeout);

    /// Raw access for tests: sends one message (encapsulated in forwarder mode).
    client_result<void> send(const sn::packet& p);
    /// Raw access for tests: the next decoded message, with no automatic handling.
    client_result<std::optional<sn::packet>> receive_packet(std::chrono::milliseconds timeout);

    /// Names predefined ids so received messages carry a topic name.
    void add_predefined(std::uint16_t id, std::string name) {
        names_[key(1, id)] = std::move(name);
    }
    /// Known topic name of a normal id (REGISTER/REGACK/SUBACK), or empty.
    [[nodiscard]] std::string topic_name(std::uint16_t normal_id) const;
    [[nodiscard]] const std::string& client_id() const noexcept { return client_id_; }
    void set_timeout(std::chrono::milliseconds t) noexcept { ep_.timeout = t; }
    [[nodiscard]] const endpoint_options& options() const noexcept { return ep_; }
    /// The socket, e.g. for poll(); owned by the client.
    [[nodiscard]] int native_handle() const noexcept { return fd_; }
    /// Datagrams that did not decode (ignored).
    [[nodiscard]] std::uint64_t malformed_count() const noexcept { return malformed_; }

private:
    sn_client(int fd, endpoint_options ep, std::unique_ptr<dtls_channel> dtls) noexcept;

    using clock = std::chrono::steady_clock;
    using matcher = bool (*)(const sn::packet&, std::uint16_t);

    [[nodiscard]] static std::uint32_t key(int type, std::uint16_t id) noexcept {
        return (static_cast<std::uint32_t>(type) << 16U) | id;
    }
    std::uint16_t next_msg_id() noexcept;
    client_result<void> send_raw(const sn::packet& p);
    /// Waits for one datagram until `deadline`; nullopt on timeout.
    client_result<std::optional<sn::packet>> read_until(clock::time_point deadline);
    /// Sends `request` (retransmitting with DUP per retry_interval) and waits for a message
    /// accepted by `match`, handling everything else in between.
    client_result<sn::packet> exchange(const std::optional<sn::packet>& request, matcher match,
                                       std::uint16_t msg_id, std::string_view what);
    /// Answers an incidental message (acks, REGACK, PINGRESP) and queues PUBLISHes.
    /// A DISCONNECT from the gateway gives `disconnected`.
    client_result<void> handle_incidental(const sn::packet& p);
    void deliver(const sn::publish& p);

    int fd_ = -1;
    endpoint_options ep_;
    std::string client_id_;
    std::uint16_t last_msg_id_ = 0;
    std::map<std::string, std::uint16_t, std::less<>> registered_; ///< name -> normal id
    std::map<std::uint32_t, std::string> names_;                   ///< (type,id) -> name
    std::set<std::uint16_t> qos2_inbound_;                         ///< awaiting PUBREL
    std::deque<message> inbox_;
    std::vector<message>* wake_sink_ = nullptr;
    std::uint64_t malformed_ = 0;
    std::unique_ptr<dtls_channel> dtls_;
};

/// Parses a host:port list entry; helper for tools: "127.0.0.1", "::1", "[::1]".
[[nodiscard]] std::string strip_brackets(std::string_view host);

} // namespace snbridge::tools
