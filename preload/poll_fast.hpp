// The user-space fast path of poll and select (SHUNT_EPOLL=fast, the
// default; docs/libshunt.md): a call over accelerated sockets alone, in
// states shared memory says all of (preload/shm_readiness.hpp), one of them
// ready, is answered from the rings with no system call. Anything else (a
// kernel fd in the set, a socket connecting or at EOF, nothing ready) is the
// kernel's, as is one call a millisecond, so what shared memory cannot show
// (shuntd gone) still shows.
#pragma once

#include <poll.h>
#include <sys/select.h>

namespace shunt::preload::poll_fast {

// poll(2)'s answer (> 0: the fds ready, revents written), or -1: ask the kernel.
int poll(pollfd* fds, nfds_t n) noexcept;

// select(2)'s answer (> 0: the bits set; the sets rewritten), or -1: ask
// the kernel (the sets untouched).
int select(int nfds, fd_set* r, fd_set* w, fd_set* e) noexcept;

}  // namespace shunt::preload::poll_fast
