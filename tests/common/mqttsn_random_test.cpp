// MQTT-SN v1.2 codec: randomized round trips over generated messages of every type, and
// random or mutated garbage fed to decode. Fixed seeds, so a failure reproduces.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/mqttsn/packet.hpp"
#include "mqttsn_golden.hpp"

namespace sn = snbridge::common::mqttsn;
using bytes = std::vector<std::uint8_t>;

namespace {

class generator {
public:
    explicit generator(std::uint32_t seed)
        : rng_(seed) {}

    std::uint8_t u8() { return static_cast<std::uint8_t>(pick(0, 255)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(pick(0, 65535)); }
    bool coin() { return pick(0, 1) == 1; }

    /// Mostly short, sometimes long enough for the 3-octet Length form.
    std::size_t length(std::size_t min = 0) {
        const auto roll = pick(0, 9);
        const auto n = roll < 7 ? pick(0, 40) : roll < 9 ? pick(230, 300) : pick(300, 2000);
        return min + static_cast<std::size_t>(n);
    }
    bytes blob(std::size_t n) {
        bytes b(n);
        for (auto& x : b) {
            x = u8();
        }
        return b;
    }
    std::string text(std::size_t n) {
        std::string s(n, '\0');
        for (auto& c : s) {
            c = static_cast<char>(u8());
        }
        return s;
    }
    sn::flags flag() {
        const auto topic = static_cast<sn::topic_id_type>(pick(0, 2)); // 0b11 is reserved
        return sn::flags{.dup = coin(),
                         .qos_level = static_cast<sn::qos>(pick(0, 3)),
                         .retain = coin(),
                         .will = coin(),
                         .clean_session = coin(),
                         .topic_type = topic};
    }
    sn::return_code rc() { return static_cast<sn::return_code>(u8()); }

    template <class T>
    T topic_request() {
        T m;
        m.flag = flag();
        m.msg_id = u16();
        switch (m.flag.topic_type) {
        case sn::topic_id_type::normal:
            m.topic_name = text(length(1));
            break;
        case sn::topic_id_type::short_name:
            m.topic_name = text(2);
            break;
        case sn::topic_id_type::predefined:
            m.topic_id = u16();
            break;
        }
        return m;
    }
    template <class T>
    T will_topic() {
        T m;
        m.topic = text(length());
        if (!m.topic.empty()) {
            m.flag = flag(); // the empty (delete) form carries no Flags
        }
        return m;
    }

    /// A canonical message: one that decode() could have produced.
    sn::packet message(bool allow_encapsulated = true) {
        switch (pick(0, allow_encapsulated ? 27 : 26)) {
        case 0:
            return sn::advertise{u8(), u16()};
        case 1:
            return sn::searchgw{u8()};
        case 2:
            return sn::gwinfo{u8(), blob(coin() ? 0 : length())};
        case 3:
            return sn::connect{flag(), u16(), text(length(1))};
        case 4:
            return sn::connack{rc()};
        case 5:
            return sn::willtopicreq{};
        case 6:
            return will_topic<sn::willtopic>();
        case 7:
            return sn::willmsgreq{};
        case 8:
            return sn::willmsg{blob(length())};
        case 9:
            return sn::register_{u16(), u16(), text(length(1))};
        case 10:
            return sn::regack{u16(), u16(), rc()};
        case 11:
            return sn::publish{flag(), u16(), u16(), blob(length())};
        case 12:
            return sn::puback{u16(), u16(), rc()};
        case 13:
            return sn::pubcomp{u16()};
        case 14:
            return sn::pubrec{u16()};
        case 15:
            return sn::pubrel{u16()};
        case 16:
            return topic_request<sn::subscribe>();
        case 17:
            return sn::suback{flag(), u16(), u16(), rc()};
        case 18:
            return topic_request<sn::unsubscribe>();
        case 19:
            return sn::unsuback{u16()};
        case 20:
            return sn::pingreq{text(coin() ? 0 : length())};
        case 21:
            return sn::pingresp{};
        case 22:
            return coin() ? sn::disconnect{} : sn::disconnect{u16()};
        case 23:
            return will_topic<sn::willtopicupd>();
        case 24:
            return sn::willtopicresp{rc()};
        case 25:
            return sn::willmsgupd{blob(length())};
        case 26:
            return sn::willmsgresp{rc()};
        default: {
            sn::encapsulated e;
            e.radius = static_cast<std::uint8_t>(pick(0, 3));
            e.wireless_node_id = blob(static_cast<std::size_t>(pick(0, 20)));
            e.inner = sn::encode(message(false));
            return e;
        }
        }
    }

    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

private:
    std::mt19937 rng_;
};

/// The fuzz property: whatever decodes, encodes, and decodes again to the same message.
bool stable(const bytes& wire) {
    const auto d = sn::decode(wire);
    if (!d) {
        return true;
    }
    const auto again = sn::encode(*d);
    if (again.empty() || again.size() != sn::encoded_size(*d)) {
        return false;
    }
    const auto d2 = sn::decode(again);
    return d2 && *d2 == *d;
}

} // namespace

TEST_CASE("mqttsn random: 20000 generated messages round trip exactly") {
    generator g(0x5EED5u);
    std::vector<int> per_type(256, 0);
    int long_form = 0;
    for (int i = 0; i < 20000; ++i) {
        const auto p = g.message();
        const auto size = sn::encoded_size(p);
        REQUIRE(size != 0);
        bytes out(size + 3, 0xEE);
        REQUIRE(sn::encode(p, out) == size);
        CHECK(out[size] == 0xEE); // nothing past the computed size
        out.resize(size);
        const auto d = sn::decode(out);
        if (!d) {
            CAPTURE(i);
            FAIL("decode failed: ", sn::to_string(d.error()));
        }
        if (!(*d == p)) {
            CAPTURE(i);
            FAIL("round trip changed message of type ", sn::to_string(sn::type_of(p)));
        }
        long_form += out[0] == 0x01 ? 1 : 0;
        ++per_type[static_cast<std::uint8_t>(sn::type_of(p))];
    }
    for (const auto t : {0x00, 0x04, 0x0C, 0x12, 0x1D, 0xFE}) {
        CAPTURE(t);
        CHECK(per_type[static_cast<std::size_t>(t)] > 300);
    }
    CHECK(long_form > 1000);
}

TEST_CASE("mqttsn random: garbage and mutated messages never crash decode") {
    generator g(0xBADC0DEu);
    int accepted = 0;
    // Pure noise, with a plausible Length octet half of the time.
    for (int i = 0; i < 100000; ++i) {
        auto wire = g.blob(static_cast<std::size_t>(g.pick(0, 48)));
        if (!wire.empty() && g.coin()) {
            wire[0] = static_cast<std::uint8_t>(wire.size());
        }
        if (!stable(wire)) {
            CAPTURE(i);
            FAIL("unstable round trip of a decoded garbage datagram");
        }
        accepted += sn::decode(wire) ? 1 : 0;
    }
    // Golden and generated messages with one to three octets changed, cut or extended.
    const auto& golden = mqttsn_test::golden_messages();
    for (int i = 0; i < 100000; ++i) {
        auto wire = (i % 2 == 0) ? golden[static_cast<std::size_t>(i / 2) % golden.size()].wire
                                 : sn::encode(g.message());
        const int edits = g.pick(1, 3);
        for (int e = 0; e < edits && !wire.empty(); ++e) {
            const auto at = static_cast<std::size_t>(g.pick(0, static_cast<int>(wire.size()) - 1));
            switch (g.pick(0, 3)) {
            case 0:
                wire[at] = g.u8();
                break;
            case 1:
                wire[at] ^= static_cast<std::uint8_t>(1U << g.pick(0, 7));
                break;
            case 2:
                wire.resize(at);
                break;
            default:
                wire.insert(wire.begin() + static_cast<std::ptrdiff_t>(at), g.u8());
                break;
            }
        }
        if (!stable(wire)) {
            CAPTURE(i);
            FAIL("unstable round trip of a decoded mutated datagram");
        }
        accepted += sn::decode(wire) ? 1 : 0;
    }
    CHECK(accepted > 1000); // the mutations do reach the message decoders
}

TEST_CASE("mqttsn corpus: write golden messages as fuzz seeds when SNB_MQTTSN_CORPUS is set") {
    // Used to seed tests/fuzz/fuzz_mqttsn_decode; a no-op in normal test runs.
    const char* dir = std::getenv("SNB_MQTTSN_CORPUS");
    if (dir == nullptr) {
        return;
    }
    std::filesystem::create_directories(dir);
    int n = 0;
    const auto write = [&](const bytes& wire) {
        std::ofstream f(std::filesystem::path(dir) / ("golden-" + std::to_string(n++)),
                        std::ios::binary);
        f.write(reinterpret_cast<const char*>(wire.data()),
                static_cast<std::streamsize>(wire.size()));
    };
    for (const auto& g : mqttsn_test::golden_messages()) {
        write(g.wire);
    }
    generator g(7);
    for (int i = 0; i < 64; ++i) {
        write(sn::encode(g.message()));
    }
    CHECK(n > 64);
}
