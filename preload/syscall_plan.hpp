// What the syscall patcher plans (preload/syscall_patcher.cpp): libc's
// text, the instructions around each syscall site it will replace, and the
// cache that keeps a plan per libc file (preload/syscall_plan_cache.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shunt::preload::syscall_hook {

struct libc_image {
    std::uintptr_t text = 0, text_end = 0;  // the executable PT_LOAD
    const std::uint8_t* eh_frame_hdr = nullptr;
    std::string path;
};

enum kind : std::uint8_t { k_plain, k_syscall, k_jcc, k_jmp, k_call, k_ret, k_unsafe };

struct insn {
    std::uintptr_t addr;
    std::uint8_t size;
    kind k;
    std::uintptr_t target;  // k_jcc/k_jmp/k_call
    std::uint8_t bytes[16];
};

// One site to patch: the instructions its jmp replaces, in order, one of
// them the syscall (absolute addresses).
struct planned_site {
    std::vector<insn> window;
    std::size_t syscall = 0;  // index in window
    std::uintptr_t start() const { return window.front().addr; }
    std::size_t length() const { return window.back().addr + window.back().size - start(); }
};

// The plan cache: a scan costs ~10-50 ms at every exec, so its result is
// kept per libc file (inode, size, mtime) and libshunt build under
// ${TMPDIR:-/tmp}/shunt-hook-UID/, checked byte for byte against the running
// libc before use, then decoded again (syscall_patcher.cpp,
// plan_decodes_as_cached). A set-uid or otherwise AT_SECURE process keeps
// no cache.

// The cache file for `img`'s libc, in a private directory of ours; empty
// when there is none to use.
std::string plan_cache_path(const libc_image& img);
// A plan from `path`, if it is whole and matches the running libc's bytes;
// *skipped gets the count of sites the scan left alone.
bool load_plan(const std::string& path, const libc_image& img, std::vector<planned_site>* plan,
               std::uint32_t* skipped);
// Writes `plan` to `path` (atomically: a temporary file, then rename).
void save_plan(const std::string& path, const libc_image& img, const std::vector<planned_site>& plan,
               std::uint32_t skipped);

}  // namespace shunt::preload::syscall_hook
