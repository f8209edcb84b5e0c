// libshunt.so load-time entry. The library is preloaded into unmodified
// programs (`shunt run -- CMD`). Its initialisation is noexcept and cannot
// fail the program: it finds libc's functions and sets up the fd table.
// Nothing attaches to shuntd here; the first AF_INET stream socket that
// binds or connects does (preload/channel.cpp), and without a daemon every
// call goes to libc as if shunt were not there.
#include "preload/fd_table.hpp"
#include "preload/real.hpp"

extern "C" __attribute__((visibility("default"))) const char* shunt_version() noexcept {
    return PACKAGE_VERSION;
}

namespace {

__attribute__((constructor)) void shunt_init() noexcept {
    shunt::preload::real::resolve();
    shunt::preload::fd_table::init();
}

}  // namespace
