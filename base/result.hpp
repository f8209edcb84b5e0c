// shunt's one internal error convention: a value or an errno (DESIGN.md,
// "Errors inside, errno at the edge"). Only preload/ turns an error into
// `errno` + -1; everything else passes result<T> along. g++ 12 has no
// std::expected, so this is the small subset shunt uses.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace shunt {

// An errno value carried as an error, optionally with a human message that
// names the offending input (used for configuration and command-line errors).
struct error {
    int code = EINVAL;
    std::string message;

    [[nodiscard]] std::string describe() const {
        if (message.empty()) return std::strerror(code);
        return message;
    }
};

[[nodiscard]] inline error make_error(int code, std::string message = {}) {
    return error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    result(error e) : v_(std::in_place_index<1>, std::move(e)) {}

    [[nodiscard]] bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const error& err() const { return std::get<1>(v_); }

private:
    std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(error e) : err_(std::move(e)), ok_(false) {}

    [[nodiscard]] bool has_value() const noexcept { return ok_; }
    explicit operator bool() const noexcept { return ok_; }
    const error& err() const { return err_; }

private:
    error err_{};
    bool ok_ = true;
};

}  // namespace shunt
