// libshunt.so load-time entry. The library is preloaded into unmodified
// programs (`shunt run -- CMD`); its initialisation is noexcept and degrades
// to pass-through: with no symbol wrapped, every call goes to libc as if shunt
// were not there. The interposer's wrappers are added in preload/ and listed
// in libshunt.map.
#include <cstdlib>

extern "C" __attribute__((visibility("default"))) const char* shunt_version() noexcept {
    return PACKAGE_VERSION;
}
