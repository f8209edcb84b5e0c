#include "base/json_writer.hpp"

#include <cmath>
#include <cstdio>

namespace shunt {

void json_writer::escape(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

void json_writer::key(std::string_view k) {
    if (need_comma_) out_ += ',';
    if (!k.empty()) {
        escape(out_, k);
        out_ += ':';
    }
    need_comma_ = true;
}

json_writer& json_writer::begin_object(std::string_view k) {
    key(k);
    out_ += '{';
    need_comma_ = false;
    return *this;
}
json_writer& json_writer::end_object() {
    out_ += '}';
    need_comma_ = true;
    return *this;
}
json_writer& json_writer::begin_array(std::string_view k) {
    key(k);
    out_ += '[';
    need_comma_ = false;
    return *this;
}
json_writer& json_writer::end_array() {
    out_ += ']';
    need_comma_ = true;
    return *this;
}
json_writer& json_writer::field(std::string_view k, std::string_view v) {
    key(k);
    escape(out_, v);
    return *this;
}
json_writer& json_writer::field(std::string_view k, std::uint64_t v) {
    key(k);
    out_ += std::to_string(v);
    return *this;
}
json_writer& json_writer::field(std::string_view k, std::int64_t v) {
    key(k);
    out_ += std::to_string(v);
    return *this;
}
json_writer& json_writer::field(std::string_view k, double v) {
    key(k);
    if (!std::isfinite(v)) {
        out_ += "null";
        return *this;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    out_ += buf;
    return *this;
}
json_writer& json_writer::field(std::string_view k, bool v) {
    key(k);
    out_ += v ? "true" : "false";
    return *this;
}
json_writer& json_writer::value(std::string_view v) {
    key({});
    escape(out_, v);
    return *this;
}

}  // namespace shunt
