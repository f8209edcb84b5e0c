// A small JSON reader for shuntctl (rendering the daemon's replies) and tests.
// Numbers are kept as double and as the exact unsigned integer when they are
// one. Depth and size are bounded; malformed input is an error, never a crash.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace shunt {

class json_value {
public:
    enum class kind { null, boolean, number, string, array, object };

    kind type() const { return kind_; }
    bool is_object() const { return kind_ == kind::object; }
    bool is_array() const { return kind_ == kind::array; }

    // Lookups return a shared null value when absent or of another type.
    const json_value& operator[](std::string_view key) const;
    const json_value& operator[](std::size_t index) const;
    std::size_t size() const;  // elements of an array or members of an object

    std::string str(std::string_view fallback = "") const;
    std::uint64_t u64(std::uint64_t fallback = 0) const;
    double num(double fallback = 0) const;
    bool boolean(bool fallback = false) const;
    const std::vector<json_value>& items() const { return array_; }
    const std::vector<std::pair<std::string, json_value>>& members() const { return object_; }

    [[nodiscard]] static result<json_value> parse(std::string_view text);

private:
    friend class json_parser;
    kind kind_ = kind::null;
    bool bool_ = false;
    double number_ = 0;
    std::uint64_t integer_ = 0;
    bool is_integer_ = false;
    std::string string_;
    std::vector<json_value> array_;
    std::vector<std::pair<std::string, json_value>> object_;
};

}  // namespace shunt
