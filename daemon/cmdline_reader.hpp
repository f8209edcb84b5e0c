// Apps' command lines, read off the main lcore (issue 20, item 11). Reading
// /proc/PID/cmdline reads the other process's memory (access_remote_vm,
// under its mmap lock), which that process can hold for as long as it
// likes: the main lcore, which serves every attach and every shuntctl,
// must not wait for it. A thread of its own reads each one; shuntd logs it
// when read and shows it in `shuntctl apps` from then on.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace shunt::daemon::cmdline_reader {

// Asks for app `pid`'s command line, kept for `session` (never blocks
// beyond a lock held only to hand requests over). The thread starts on
// first use and is never joined (a read that never ends holds it alone).
void request(std::uint64_t session, pid_t pid) noexcept;
// What was read for `session` (each argument made printable, joined by
// spaces): "" until it is read, or if it could not be.
std::string get(std::uint64_t session);
// The session ended: its line goes.
void forget(std::uint64_t session) noexcept;
// Waits until every request so far is answered (tests; never an lcore).
void settle() noexcept;

}  // namespace shunt::daemon::cmdline_reader
