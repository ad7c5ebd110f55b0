#pragma once

// The MQTT-SN v1.2 gateway state machine: every session, topic table, retransmission and
// sleep buffer, with no I/O of its own. Datagrams come in through datagram_handler, answers go
// out through a datagram_sink, the MQTT side of each session is a common::mqtt_side, and time
// is injected. Tests drive it with a fake clock and assert exact bytes (DESIGN.md "Transport
// vs state").

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mqtt_side.hpp"
#include "common/mqttsn/packet.hpp"
#include "gateway/core_settings.hpp"
#include "gateway/datagram_handler.hpp"
#include "gateway/drop_counter.hpp"
#include "gateway/predefined_topics.hpp"
#include "gateway/session.hpp"

namespace snbridge::gateway {

/// Why the core dropped a datagram or a message (counted; see drops()).
enum class drop_reason : std::uint8_t {
    malformed,            ///< decode failed
    unexpected_type,      ///< a gateway-to-client message type, or one not valid here
    not_connected,        ///< session still in its CONNECT handshake
    nested_encapsulation, ///< an Encapsulated message inside an Encapsulated message
    qos_minus_one_name,   ///< DESIGN rule 1: QoS −1 with a normal topic id
    qos_minus_one_sender, ///< QoS −1 sender not allowed by config
    qos_minus_one_topic,  ///< QoS −1 topic unknown or not allowed
    queue_full,           ///< downstream message dropped: Active queue full
    sleep_buffer_full,    ///< downstream message dropped: sleep buffer full (§6.14)
    too_long,             ///< §6.10: topic or data too long for a REGISTER/PUBLISH
    topic_table_full,     ///< no topic id left to REGISTER a downstream topic
    register_rejected,    ///< the client refused our REGISTER (§6.10)
    no_session,           ///< MQTT-side message for a session that no longer exists
    max_clients,          ///< CONNECT refused (CONNACK 0x01): mqttsn.max_clients reached
    count_
};

/// Stable snake_case name, the drop_counter reason: "sleep_buffer_full", ...
[[nodiscard]] std::string_view to_string(drop_reason r) noexcept;

class gateway_core final : public datagram_handler, public common::mqtt_side_listener {
public:
    using now_source = std::function<time_point()>;

    /// Registers itself as `side`'s listener. `side` and `sink` must outlive the core.
    /// `now` gives the loop time for MQTT-side events (which carry no time of their own).
    /// ADVERTISE (if enabled) is due at construction time: the first on_tick sends it.
    gateway_core(core_settings settings, common::mqtt_side& side, datagram_sink& sink,
                 now_source now);
    ~gateway_core() override = default;
    gateway_core(const gateway_core&) = delete;
    gateway_core& operator=(const gateway_core&) = delete;

    /// Every dropped datagram or message is also counted and logged there (optional; tests
    /// read drops()). `counter` must outlive the core.
    void set_drop_counter(drop_counter& counter) noexcept { drop_counter_ = &counter; }
    /// Called after MQTT-side events that arrived outside on_datagram/on_tick were handled,
    /// since they may change next_deadline() (the runtime re-arms its timer).
    void set_deadline_hook(std::function<void()> hook) { deadline_hook_ = std::move(hook); }

    // datagram_handler
    void on_datagram(const common::net_address& from, std::span<const std::uint8_t> bytes,
                     time_point now) override;
    void on_tick(time_point now) override;
    [[nodiscard]] std::optional<time_point> next_deadline() const override;
    void shutdown(time_point now) override;

    // common::mqtt_side_listener (queued, handled after the current call returns)
    void on_open(common::session_id id, common::open_status status, bool session_present) override;
    void on_message(common::session_id id, const common::mqtt_message& msg) override;
    void on_publish_done(common::session_id id, std::uint32_t token, bool ok) override;
    void on_subscribe_done(common::session_id id, std::uint32_t token,
                           std::optional<std::uint8_t> granted_qos) override;
    void on_unsubscribe_done(common::session_id id, std::uint32_t token) override;
    void on_session_lost(common::session_id id) override;

    // --- observation (tests, stats) ------------------------------------------------------
    [[nodiscard]] std::size_t session_count() const noexcept { return sessions_.size(); }
    /// The state of `client_id`'s session, if the gateway holds one.
    [[nodiscard]] std::optional<session_state> state_of(std::string_view client_id) const;
    /// The session of `client_id`, or nullptr (read-only view for tests and stats).
    [[nodiscard]] const session* find_session(std::string_view client_id) const;
    [[nodiscard]] std::uint64_t drops(drop_reason r) const noexcept {
        return drops_[static_cast<std::size_t>(r)];
    }

private:
    struct event {
        enum class kind : std::uint8_t {
            open,
            message,
            publish_done,
            subscribe_done,
            unsubscribe_done,
            session_lost
        };
        kind what = kind::open;
        common::session_id id = 0;
        std::uint32_t token = 0;
        common::open_status status = common::open_status::accepted;
        bool flag = false; ///< session_present / ok
        std::optional<std::uint8_t> granted;
        common::mqtt_message msg;
    };
    struct timer_entry {
        time_point at;
        common::session_id id;
        bool operator>(const timer_entry& o) const noexcept { return at > o.at; }
    };

    // input
    void handle(const endpoint& from, common::mqttsn::packet& p, time_point now);
    /// §6.2: answers a CONNECT the codec refused for its ProtocolId with CONNACK 0x03.
    void refuse_protocol(const common::net_address& from, std::span<const std::uint8_t> bytes,
                         common::mqttsn::decode_error e);
    void handle_connect(const endpoint& from, const common::mqttsn::connect& c, time_point now);
    void handle_willtopic(session& s, const common::mqttsn::willtopic& w);
    void handle_willmsg(session& s, const common::mqttsn::willmsg& w);
    void handle_register(session& s, const common::mqttsn::register_& r);
    void handle_regack(session& s, const common::mqttsn::regack& r, time_point now);
    void handle_publish(session& s, common::mqttsn::publish& p);
    void handle_publish_minus_one(const endpoint& from, common::mqttsn::publish& p);
    void handle_puback(session& s, const common::mqttsn::puback& a, time_point now);
    void handle_pubrec(session& s, const common::mqttsn::pubrec& r, time_point now);
    void handle_pubcomp(session& s, const common::mqttsn::pubcomp& c, time_point now);
    void handle_pubrel(session& s, const common::mqttsn::pubrel& r);
    void handle_subscribe(session& s, const common::mqttsn::subscribe& r);
    void handle_unsubscribe(session& s, const common::mqttsn::unsubscribe& r);
    void handle_pingreq(const endpoint& from, const common::mqttsn::pingreq& p, time_point now);
    void handle_disconnect(const endpoint& from, const common::mqttsn::disconnect& d,
                           time_point now);
    void handle_willtopicupd(session& s, const common::mqttsn::willtopicupd& u);
    void handle_willmsgupd(session& s, const common::mqttsn::willmsgupd& u);
    void handle_searchgw(const endpoint& from, const common::mqttsn::searchgw& g);

    // MQTT-side events
    void drain_events();
    void handle_event(event& ev, time_point now);

    // sessions
    session* by_endpoint(const endpoint& ep);
    session* by_client_id(std::string_view client_id);
    session* by_id(common::session_id id);
    session& create_session(const endpoint& ep, std::string_view client_id);
    void rebind(session& s, const endpoint& ep);
    void erase_session(session& s);
    bool evict_one_idle();
    void open_mqtt_side(session& s);
    void close_mqtt_side(session& s, common::close_reason why);
    /// §6.14: keep-alive or sleep timer expired -> Lost; the MQTT side publishes the will.
    void lose(session& s, time_point now);
    void end_session(session& s); ///< after close: erase if clean, else keep for reconnect
    void go_asleep(session& s, time_point now);

    // downstream delivery
    void deliver(session& s, common::mqtt_message&& msg);
    void pump(session& s, time_point now);
    void send_inflight(session& s, time_point now);
    void complete_inflight(session& s, time_point now);
    void supervise(session& s, time_point now);

    // timers
    void schedule(session& s);
    [[nodiscard]] std::optional<time_point> deadline_of(const session& s) const;
    [[nodiscard]] static std::chrono::milliseconds tolerance(std::uint16_t seconds) noexcept;

    // output
    void send(const endpoint& to, const common::mqttsn::packet& p, const session* s,
              std::string_view topic_name = {}, std::uint8_t radius = 0);
    void send_advertise(time_point now);
    void count_drop(drop_reason r, const endpoint* from, std::size_t size = 0);
    void log_in(const endpoint& from, const common::mqttsn::packet& p, const session* s) const;

    [[nodiscard]] std::uint32_t take_token() noexcept {
        token_ = token_ == 0xFFFFFFFFu ? 1u : token_ + 1u;
        return token_;
    }
    [[nodiscard]] std::string_view topic_of(const session& s, const common::mqttsn::flags& f,
                                            std::uint16_t id, std::array<char, 2>& short_buf) const;

    core_settings settings_;
    predefined_topics predefined_;
    common::mqtt_side& side_;
    datagram_sink& sink_;
    now_source now_;

    std::unordered_map<common::session_id, session> sessions_;
    std::unordered_map<std::string_view, common::session_id> by_client_id_;
    std::unordered_map<endpoint, common::session_id, endpoint_hash> by_endpoint_;
    common::session_id next_session_id_ = 1;
    std::uint32_t token_ = 0;

    mutable std::vector<timer_entry> timers_; ///< min-heap, lazily cleaned
    std::optional<time_point> advertise_at_;

    std::vector<event> events_;
    std::size_t events_head_ = 0;
    bool busy_ = false;
    bool draining_ = false;

    std::vector<std::uint8_t> tx_;
    common::mqtt_message scratch_;
    std::array<std::uint64_t, static_cast<std::size_t>(drop_reason::count_)> drops_{};
    drop_counter* drop_counter_ = nullptr;
    std::function<void()> deadline_hook_;
};

} // namespace snbridge::gateway
