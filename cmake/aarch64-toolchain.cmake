# Cross-building snbridge for arm64 (Raspberry Pi OS bookworm, Debian 12 arm64) on an amd64
# Debian 12 with Debian's cross toolchain (g++-aarch64-linux-gnu). The arm64 libraries and
# headers come from a sysroot made of the arm64 .debs unpacked with `dpkg -x` (never
# installed on the host: libyaml-cpp-dev is not Multi-Arch: same, so libyaml-cpp-dev:arm64
# would replace the amd64 one). scripts/package.sh arm64 makes it in build/sysroot-arm64.
#
#   cmake -S . -B build/pkg-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-toolchain.cmake \
#         -DSNB_SYSROOT=$PWD/build/sysroot-arm64
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SNB_TRIPLE aarch64-linux-gnu)

if(NOT SNB_SYSROOT)
  get_filename_component(SNB_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build/sysroot-arm64" ABSOLUTE)
endif()
set(SNB_SYSROOT "${SNB_SYSROOT}" CACHE PATH "arm64 .debs unpacked with dpkg -x")
# try_compile projects see the cache variable through this list.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SNB_SYSROOT)

set(CMAKE_C_COMPILER ${SNB_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SNB_TRIPLE}-g++)

# The sysroot is the whole arm64 userland (libc6-dev:arm64, libstdc++-12-dev:arm64 included),
# so the compiler and the linker look there only.
set(CMAKE_SYSROOT "${SNB_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH "${SNB_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE ${SNB_TRIPLE})
# The dependencies of the sysroot's shared libraries (libsystemd0's liblz4, libgcrypt...).
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-Wl,-rpath-link,${SNB_SYSROOT}/usr/lib/${SNB_TRIPLE} -Wl,-rpath-link,${SNB_SYSROOT}/lib/${SNB_TRIPLE}")

# pkg-config (libuv, sqlite3, libsystemd) reads the sysroot's .pc files only.
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${SNB_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${SNB_SYSROOT}/usr/lib/${SNB_TRIPLE}/pkgconfig:${SNB_SYSROOT}/usr/share/pkgconfig")

# Test discovery (doctest_discover_tests) and CTest run the arm64 executables under
# qemu-aarch64, with the sysroot's own loader and libc (scripts/arm64-test.sh).
set(CMAKE_CROSSCOMPILING_EMULATOR env "QEMU_LD_PREFIX=${SNB_SYSROOT}" qemu-aarch64)
