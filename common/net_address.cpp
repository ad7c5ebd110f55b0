#include "common/net_address.hpp"

#include <arpa/inet.h>

namespace snbridge::common {

std::string net_address::to_string() const {
    char text[INET6_ADDRSTRLEN] = {};
    if (fam == family::v4) {
        inet_ntop(AF_INET, ip.data(), text, sizeof text);
        return std::string(text) + ":" + std::to_string(port);
    }
    inet_ntop(AF_INET6, ip.data(), text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(port);
}

} // namespace snbridge::common
