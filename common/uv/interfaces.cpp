#include "common/uv/interfaces.hpp"

#include <uv.h>

#include "common/uv/socket_address.hpp"

namespace snbridge::common::uv {

std::vector<net_address> interface_addresses() {
    std::vector<net_address> out;
    uv_interface_address_t* list = nullptr;
    int count = 0;
    if (uv_interface_addresses(&list, &count) != 0) {
        return out;
    }
    for (int i = 0; i < count; ++i) {
        if (auto a = from_sockaddr(reinterpret_cast<const sockaddr*>(&list[i].address))) {
            a->port = 0;
            out.push_back(*a);
        }
    }
    uv_free_interface_addresses(list, count);
    return out;
}

} // namespace snbridge::common::uv
