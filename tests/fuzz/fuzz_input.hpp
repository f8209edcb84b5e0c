// A fuzz input read as a little program: fixed-width little-endian fields
// taken from the front. Past the end every field reads as zero, so any byte
// string is a valid program and the fuzzer never wastes inputs on framing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shunt::fuzz {

class input_reader {
public:
    input_reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}

    bool empty() const { return n_ == 0; }
    std::size_t left() const { return n_; }

    std::uint8_t u8() {
        if (n_ == 0) return 0;
        --n_;
        return *p_++;
    }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | u8() << 8); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(u16()) | static_cast<std::uint32_t>(u16()) << 16; }
    std::uint64_t u64() { return static_cast<std::uint64_t>(u32()) | static_cast<std::uint64_t>(u32()) << 32; }

    // Up to n bytes (fewer at the end of the input).
    std::span<const std::uint8_t> bytes(std::size_t n) {
        n = std::min(n, n_);
        std::span<const std::uint8_t> s(p_, n);
        p_ += n;
        n_ -= n;
        return s;
    }

private:
    const std::uint8_t* p_;
    std::size_t n_;
};

// The inverse, for writing seed inputs.
class input_writer {
public:
    input_writer& u8(std::uint8_t v) {
        out_.push_back(v);
        return *this;
    }
    input_writer& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v)).u8(static_cast<std::uint8_t>(v >> 8)); }
    input_writer& u32(std::uint32_t v) {
        return u16(static_cast<std::uint16_t>(v)).u16(static_cast<std::uint16_t>(v >> 16));
    }
    input_writer& u64(std::uint64_t v) {
        return u32(static_cast<std::uint32_t>(v)).u32(static_cast<std::uint32_t>(v >> 32));
    }
    input_writer& bytes(std::span<const std::uint8_t> b) {
        out_.insert(out_.end(), b.begin(), b.end());
        return *this;
    }
    const std::vector<std::uint8_t>& data() const { return out_; }

private:
    std::vector<std::uint8_t> out_;
};

}  // namespace shunt::fuzz
