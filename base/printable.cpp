#include "base/printable.hpp"

namespace shunt {

std::string printable(std::string_view untrusted) {
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(untrusted.size());
    for (const char ch : untrusted) {
        const auto b = static_cast<unsigned char>(ch);
        if (b >= 0x20 && b < 0x7f && b != '\\') {
            out += ch;
            continue;
        }
        out += "\\x";
        out += k_hex[b >> 4];
        out += k_hex[b & 15];
    }
    return out;
}

}  // namespace shunt
