// A small streaming JSON writer for shuntd's admin replies and shuntctl's
// --json output. It handles commas and string escaping; the caller nests
// objects and arrays in order (begin/end pairs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shunt {

class json_writer {
public:
    json_writer& begin_object(std::string_view key = {});
    json_writer& end_object();
    json_writer& begin_array(std::string_view key = {});
    json_writer& end_array();
    json_writer& field(std::string_view key, std::string_view value);
    json_writer& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
    json_writer& field(std::string_view key, std::uint64_t value);
    json_writer& field(std::string_view key, std::int64_t value);
    json_writer& field(std::string_view key, unsigned value) { return field(key, std::uint64_t{value}); }
    json_writer& field(std::string_view key, int value) { return field(key, std::int64_t{value}); }
    json_writer& field(std::string_view key, double value);
    json_writer& field(std::string_view key, bool value);
    json_writer& value(std::string_view v);  // an array element

    const std::string& str() const { return out_; }
    static void escape(std::string& out, std::string_view s);

private:
    void key(std::string_view k);
    std::string out_;
    bool need_comma_ = false;
};

}  // namespace shunt
