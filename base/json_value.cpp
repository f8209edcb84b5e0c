#include "base/json_value.hpp"

#include <charconv>
#include <cstdlib>

namespace shunt {

class json_parser {
public:
    explicit json_parser(std::string_view t) : t_(t) {}

    result<json_value> document() {
        json_value v;
        if (!value(v, 0)) return make_error(EINVAL, "invalid JSON at offset " + std::to_string(pos_));
        ws();
        if (pos_ != t_.size()) return make_error(EINVAL, "trailing data after JSON at offset " + std::to_string(pos_));
        return v;
    }

private:
    static constexpr int k_max_depth = 64;

    void ws() {
        while (pos_ < t_.size() && (t_[pos_] == ' ' || t_[pos_] == '\n' || t_[pos_] == '\r' || t_[pos_] == '\t')) ++pos_;
    }
    bool lit(std::string_view s) {
        if (t_.substr(pos_, s.size()) != s) return false;
        pos_ += s.size();
        return true;
    }

    bool value(json_value& v, int depth) {
        if (depth > k_max_depth) return false;
        ws();
        if (pos_ >= t_.size()) return false;
        const char c = t_[pos_];
        if (c == '{') return object(v, depth);
        if (c == '[') return array(v, depth);
        if (c == '"') {
            v.kind_ = json_value::kind::string;
            return string(v.string_);
        }
        if (lit("true")) { v.kind_ = json_value::kind::boolean; v.bool_ = true; return true; }
        if (lit("false")) { v.kind_ = json_value::kind::boolean; v.bool_ = false; return true; }
        if (lit("null")) { v.kind_ = json_value::kind::null; return true; }
        return number(v);
    }

    bool number(json_value& v) {
        const std::size_t start = pos_;
        if (pos_ < t_.size() && t_[pos_] == '-') ++pos_;
        bool digits = false, integral = true;
        while (pos_ < t_.size()) {
            const char c = t_[pos_];
            if (c >= '0' && c <= '9') digits = true;
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') integral = false;
            else break;
            ++pos_;
        }
        if (!digits) return false;
        const std::string text(t_.substr(start, pos_ - start));
        char* end = nullptr;
        v.number_ = std::strtod(text.c_str(), &end);
        if (end != text.c_str() + text.size()) return false;
        v.kind_ = json_value::kind::number;
        if (integral && text[0] != '-') {
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v.integer_);
            v.is_integer_ = ec == std::errc{} && p == text.data() + text.size();
        }
        return true;
    }

    bool string(std::string& out) {
        ++pos_;  // opening quote
        while (pos_ < t_.size()) {
            const char c = t_[pos_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c != '\\') { out += c; continue; }
            if (pos_ >= t_.size()) return false;
            const char e = t_[pos_++];
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    if (pos_ + 4 > t_.size()) return false;
                    unsigned cp = 0;
                    auto [p, ec] = std::from_chars(t_.data() + pos_, t_.data() + pos_ + 4, cp, 16);
                    if (ec != std::errc{} || p != t_.data() + pos_ + 4) return false;
                    pos_ += 4;
                    // UTF-8 encode (surrogate pairs are kept as two units).
                    if (cp < 0x80) out += static_cast<char>(cp);
                    else if (cp < 0x800) { out += static_cast<char>(0xc0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3f)); }
                    else { out += static_cast<char>(0xe0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f)); out += static_cast<char>(0x80 | (cp & 0x3f)); }
                    break;
                }
                default: return false;
            }
        }
        return false;
    }

    bool array(json_value& v, int depth) {
        v.kind_ = json_value::kind::array;
        ++pos_;
        ws();
        if (lit("]")) return true;
        for (;;) {
            json_value item;
            if (!value(item, depth + 1)) return false;
            v.array_.push_back(std::move(item));
            ws();
            if (lit(",")) continue;
            return lit("]");
        }
    }

    bool object(json_value& v, int depth) {
        v.kind_ = json_value::kind::object;
        ++pos_;
        ws();
        if (lit("}")) return true;
        for (;;) {
            ws();
            if (pos_ >= t_.size() || t_[pos_] != '"') return false;
            std::string key;
            if (!string(key)) return false;
            ws();
            if (!lit(":")) return false;
            json_value item;
            if (!value(item, depth + 1)) return false;
            v.object_.emplace_back(std::move(key), std::move(item));
            ws();
            if (lit(",")) continue;
            return lit("}");
        }
    }

    std::string_view t_;
    std::size_t pos_ = 0;
};

namespace {
const json_value& null_value() {
    static const json_value v;
    return v;
}
}  // namespace

const json_value& json_value::operator[](std::string_view key) const {
    if (kind_ == kind::object)
        for (const auto& [k, v] : object_)
            if (k == key) return v;
    return null_value();
}

const json_value& json_value::operator[](std::size_t index) const {
    if (kind_ == kind::array && index < array_.size()) return array_[index];
    return null_value();
}

std::size_t json_value::size() const {
    return kind_ == kind::array ? array_.size() : kind_ == kind::object ? object_.size() : 0;
}

std::string json_value::str(std::string_view fallback) const {
    return kind_ == kind::string ? string_ : std::string(fallback);
}

std::uint64_t json_value::u64(std::uint64_t fallback) const {
    if (kind_ != kind::number) return fallback;
    if (is_integer_) return integer_;
    return number_ >= 0 ? static_cast<std::uint64_t>(number_) : fallback;
}

double json_value::num(double fallback) const { return kind_ == kind::number ? number_ : fallback; }

bool json_value::boolean(bool fallback) const { return kind_ == kind::boolean ? bool_ : fallback; }

result<json_value> json_value::parse(std::string_view text) {
    if (text.size() > (64u << 20)) return make_error(E2BIG, "JSON document too large");
    return json_parser(text).document();
}

}  // namespace shunt
