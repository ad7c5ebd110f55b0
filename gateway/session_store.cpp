#include "gateway/session_store.hpp"

#include <string_view>

namespace snbridge::gateway {

namespace persist = common::persist;

namespace {

/// FNV-1a over the fields of a session row: a row is rewritten only when this changes.
class digest {
public:
    void add(std::string_view bytes) noexcept {
        for (const char c : bytes) {
            byte(static_cast<unsigned char>(c));
        }
        byte(0xFF); // a separator, so that "ab","c" and "a","bc" differ
    }
    void add(std::uint64_t v) noexcept {
        for (int i = 0; i < 8; ++i) {
            byte(static_cast<unsigned char>(v >> (8 * i)));
        }
    }
    [[nodiscard]] std::uint64_t value() const noexcept { return h_ == 0 ? 1 : h_; }

private:
    void byte(unsigned char b) noexcept {
        h_ ^= b;
        h_ *= 0x100000001b3ULL;
    }
    std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

std::string_view as_text(const std::vector<std::uint8_t>& bytes) noexcept {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes viewed as chars
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

} // namespace

std::uint64_t session_store::digest_of(const session& s) {
    digest d;
    d.add(static_cast<std::uint64_t>(s.state));
    d.add((s.clean_session ? 1u : 0u) | (s.mqtt_open ? 2u : 0u) | (s.reachable ? 4u : 0u) |
          (s.peer.via_forwarder ? 8u : 0u));
    d.add((std::uint64_t{s.keep_alive_s} << 32) | (std::uint64_t{s.sleep_s} << 16) | s.next_msg_id);
    const auto& a = s.peer.address;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): address bytes as chars
    d.add(std::string_view(reinterpret_cast<const char*>(a.ip.data()), a.ip.size()));
    d.add((std::uint64_t{a.channel} << 32) |
          (std::uint64_t{static_cast<std::uint8_t>(a.fam)} << 16) | a.port);
    d.add(s.user);
    d.add(s.peer.node_id);
    if (s.will) {
        d.add(s.will->topic);
        d.add(as_text(s.will->payload));
        d.add((std::uint64_t{s.will->qos} << 1) | (s.will->retain ? 1u : 0u));
    }
    for (const auto& e : s.topics.entries()) {
        d.add(e.name);
        d.add((std::uint64_t{e.id} << 2) | (e.known_to_client ? 2u : 0u) | (e.rejected ? 1u : 0u));
    }
    for (const auto id : s.qos2_received) {
        d.add(id);
    }
    return d.value();
}

namespace {

persist::gateway_queue_row queue_row(const outgoing_message& m) {
    return {
        .message = {.seq = m.seq,
                    .topic = m.topic,
                    .payload = m.payload,
                    .qos = m.qos,
                    .retain = m.retain},
        .msg_id = m.msg_id,
        .stage = static_cast<std::uint8_t>(m.progress),
        .sent_before = m.sent_before,
    };
}

} // namespace

session_store::session_store(persist::store& store, session_table& sessions)
    : store_(store)
    , sessions_(sessions) {
    store_.on_before_commit([this] { flush(); });
    store_.on_resync([this] { write_all(); });
}

void session_store::touch(session& s) {
    store_.mark_pending();
    if (!s.stored.due) {
        s.stored.due = true;
        due_.push_back(s.id);
    }
}

void session_store::erased(const session& s) {
    store_.mark_pending();
    if (s.stored.digest != 0 || s.stored.last_seq != 0) {
        erased_.push_back(s.client_id);
    }
}

persist::gateway_session_row session_store::row_of(const session& s) {
    persist::gateway_session_row row{
        .client_id = s.client_id,
        .state = static_cast<std::uint8_t>(s.state),
        .clean_session = s.clean_session,
        .mqtt_open = s.mqtt_open,
        .reachable = s.reachable,
        .keep_alive_s = s.keep_alive_s,
        .sleep_s = s.sleep_s,
        // A DTLS session does not outlive the process: such a device handshakes again, so its
        // address is not kept (nothing may reach it in plaintext), its identity is.
        .peer_address = s.peer.address.channel == 0 ? s.peer.address.to_string()
                                                    : std::string(dtls_address_tag) + s.user,
        .node_id = s.peer.node_id,
        .via_forwarder = s.peer.via_forwarder,
        .next_msg_id = s.next_msg_id,
        .will = s.will,
        .topics = {},
        .qos2_received = s.qos2_received,
    };
    for (const auto& e : s.topics.entries()) {
        row.topics.push_back({.id = e.id,
                              .name = e.name,
                              .known_to_client = e.known_to_client,
                              .rejected = e.rejected});
    }
    return row;
}

void session_store::flush() {
    // Erased first: a session erased and made again for the same ClientId in one turn ends
    // with the new one's rows.
    for (const auto& client_id : erased_) {
        store_.erase_gateway_session(client_id);
    }
    erased_.clear();
    for (const auto id : due_) {
        if (session* s = sessions_.find(id)) {
            s->stored.due = false;
            write(*s, false);
        }
    }
    due_.clear();
}

void session_store::write(session& s, bool everything) {
    auto& st = s.stored;
    if (const auto d = digest_of(s); everything || d != st.digest) {
        store_.put_gateway_session(row_of(s));
        st.digest = d;
    }
    auto& q = s.queue;
    for (const auto seq : q.removed()) {
        if (!everything) {
            store_.erase_gateway_message(s.client_id, seq);
        }
    }
    q.removed().clear();
    // New QoS 1/2 messages are at the back, after the last one written.
    std::size_t first_new = q.size();
    while (first_new > 0 && q.at(first_new - 1).seq == 0) {
        --first_new;
    }
    if (everything) {
        first_new = 0;
    }
    for (std::size_t i = first_new; i < q.size(); ++i) {
        auto& m = q.at(i);
        if (m.qos == 0) {
            continue; // MQTT 3.1.1 §3.1.2.4: only QoS 1/2 is kept for an absent client
        }
        if (m.seq == 0) {
            m.seq = ++st.last_seq;
        }
        store_.append_gateway_message(s.client_id, queue_row(m));
    }
    // Only the front is ever in flight: its progress is the exchange's state.
    if (!q.empty() && q.front().seq != 0) {
        const auto& f = q.front();
        const auto stage = static_cast<std::uint8_t>(f.progress);
        if (everything || f.seq != st.front_seq || f.msg_id != st.front_msg_id ||
            stage != st.front_stage || f.sent_before != st.front_sent_before) {
            store_.update_gateway_message(s.client_id, f.seq, f.msg_id, stage, f.sent_before);
            st.front_seq = f.seq;
            st.front_msg_id = f.msg_id;
            st.front_stage = stage;
            st.front_sent_before = f.sent_before;
        }
    }
}

void session_store::write_all() {
    erased_.clear();
    for (auto& [id, s] : sessions_) {
        write(s, true);
    }
}

} // namespace snbridge::gateway
