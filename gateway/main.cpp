#include "common/log.hpp"

int main() {
    snbridge::common::log::info("snbridge version " SNB_VERSION " starting");
    return 0;
}
