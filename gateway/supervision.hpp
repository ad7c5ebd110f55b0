#pragma once

// Sleep and supervision (MQTT-SN 1.2 §6.11-6.14): PINGREQ and DISCONNECT from the client,
// the Asleep/Awake states, keep-alive and sleep-duration supervision with the §7.2
// tolerance, the CONNECT timeout, retransmission give-up, and the Lost state (the MQTT side
// publishes the will).

#include <chrono>
#include <optional>

#include "common/mqttsn/packet.hpp"
#include "gateway/core_context.hpp"

namespace snbridge::gateway::supervision {

/// §7.2: the indicated duration plus 10 % above one minute, plus 50 % at or below it.
[[nodiscard]] std::chrono::milliseconds tolerance(std::uint16_t seconds) noexcept;
/// The earliest time `s` needs attention (retransmission, CONNECT timeout, keep-alive or
/// sleep expiry), or nullopt.
[[nodiscard]] std::optional<time_point> deadline_of(const core_settings& settings,
                                                    const session& s) noexcept;
/// `s`'s timer fired: retransmits, or declares it Lost, or re-arms.
void on_timer(core_context& cx, session& s, time_point now);

void on_pingreq(core_context& cx, const endpoint& from, const common::mqttsn::pingreq& p,
                time_point now);
void on_disconnect(core_context& cx, const endpoint& from, const common::mqttsn::disconnect& d,
                   time_point now);
/// The MQTT side ended the session on its own (e.g. upstream refused it after reconnect).
void on_session_lost(core_context& cx, session& s);

/// -> Asleep: the sleep timer (re)starts now; retransmissions stop, the message in flight
/// stays at the front and goes again (DUP) on wake-up.
void go_asleep(session& s, time_point now) noexcept;
/// §6.14 -> Lost after `why` ("keep-alive", "sleep" ...): the MQTT side publishes the will.
void lose(core_context& cx, session& s, std::string_view why);
/// After the MQTT side was closed: a clean session is erased (the reference dies), else
/// kept for the client's next CONNECT.
void end_session(core_context& cx, session& s);
/// Ends the MQTT side of `s` if open.
void close_mqtt_side(core_context& cx, session& s, common::close_reason why);

} // namespace snbridge::gateway::supervision
