// Copies between a file or pipe and an accelerated socket: sendfile(2) and
// splice(2). The kernel would move pages; here the bytes go through a buffer
// and the socket's ring, and no byte is ever taken from the source that the
// socket did not take (pread for files; for pipes only what fits, and for a
// socket source a peek before the pipe write, consumed after it).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "preload/fd_table.hpp"
#include "preload/held_socket.hpp"
#include "preload/op_helpers.hpp"
#include "preload/real.hpp"
#include "preload/socket_ops.hpp"

#define SHUNT_EXPORT extern "C" __attribute__((visibility("default")))

namespace shunt::preload {
namespace {

// sendfile(2) to an accelerated socket: the file's bytes are read (pread, so
// an unsent tail is never consumed) and sent through the ring. The offset or
// the file position advances by what was sent, as the kernel's does.
ssize_t sendfile_common(int out_fd, accel_socket* s, int in_fd, off64_t* offset, size_t count) {
    const int saved = errno;
    off64_t pos = offset ? *offset : lseek64(in_fd, 0, SEEK_CUR);
    if (pos < 0) return -1;
    char buf[32768];
    size_t done = 0;
    int error = 0;
    while (done < count) {
        const size_t want = std::min(sizeof buf, count - done);
        const ssize_t n = pread64(in_fd, buf, want, pos);
        if (n < 0) {
            error = errno;
            break;
        }
        if (n == 0) break;  // end of file
        iovec iov{buf, static_cast<size_t>(n)};
        // Non-blocking sockets take what fits; a UDP socket sends each chunk as a datagram.
        auto r = s->dgram ? op_dgram_send(out_fd, *s, &iov, 1, 0, nullptr, 0) : op_send(out_fd, *s, &iov, 1, 0);
        if (!r) {
            error = r.err().code;
            break;
        }
        done += static_cast<size_t>(*r);
        pos += *r;
        if (*r < n) break;
    }
    if (offset) *offset = pos;
    else lseek64(in_fd, pos, SEEK_SET);
    if (done == 0 && error) {
        errno = error;
        return -1;
    }
    errno = saved;
    return static_cast<ssize_t>(done);
}

constexpr std::size_t k_splice_chunk = 65536;

// Room in a pipe now (its capacity minus what it holds); -1 if fd is not one.
long pipe_room(int fd) {
    const int cap = real::fcntl(fd, F_GETPIPE_SZ, nullptr);
    int used = 0;
    if (cap < 0 || real::ioctl(fd, FIONREAD, &used) < 0) return -1;
    return cap - used;
}

// As the kernel's splice: the socket's side blocks or not by the socket's
// O_NONBLOCK; SPLICE_F_NONBLOCK is about the pipe's side only.
ssize_t splice_from_socket(int in_fd, accel_socket* s, int out_fd, std::size_t len, unsigned flags) {
    static thread_local char buf[k_splice_chunk];
    std::size_t want = std::min(len, sizeof buf);
    if (flags & SPLICE_F_NONBLOCK) {
        const long room = pipe_room(out_fd);
        if (room == 0) {
            errno = EAGAIN;
            return -1;
        }
        if (room > 0) want = std::min(want, static_cast<std::size_t>(room));
    }
    iovec iov{buf, want};
    auto got = op_recv(in_fd, *s, &iov, 1, MSG_PEEK);
    if (!got) {
        errno = got.err().code;
        return -1;
    }
    if (*got == 0) return 0;  // end of stream
    const ssize_t w = real::write(out_fd, buf, static_cast<std::size_t>(*got));
    if (w <= 0) return w;
    iovec take{buf, static_cast<std::size_t>(w)};
    (void)op_recv(in_fd, *s, &take, 1, MSG_DONTWAIT);  // what was peeked is there to consume
    return w;
}

// splice from a pipe into an accelerated TCP socket: only as many bytes are
// read from the pipe as the socket's ring takes now (waiting for room first
// unless the socket is non-blocking), so none is lost.
ssize_t splice_to_socket(int in_fd, int out_fd, accel_socket* s, std::size_t len, unsigned flags) {
    static thread_local char buf[k_splice_chunk];
    if (flags & SPLICE_F_NONBLOCK) {  // an empty pipe: EAGAIN, not a wait
        pollfd p{in_fd, POLLIN, 0};
        if (raw(SYS_poll, reinterpret_cast<long>(&p), 1, 0) == 0) {
            errno = EAGAIN;
            return -1;
        }
    }
    const bool nonblock = s->nonblocking.load(std::memory_order_relaxed);
    std::int64_t room;
    for (;;) {
        room = s->tx.free_space();
        if (room < 0) {
            errno = EIO;
            return -1;
        }
        if (room > 0) break;
        if (nonblock) {
            errno = EAGAIN;
            return -1;
        }
        if (const int w = wait_fd(out_fd, *s, POLLOUT, timeout_ms(s->sndtimeo)); w < 0) {
            errno = -w;
            return -1;
        }
        if (!s->ch->daemon_alive()) {
            errno = EPIPE;
            return -1;
        }
    }
    const std::size_t want = std::min({len, sizeof buf, static_cast<std::size_t>(room)});
    const ssize_t r = real::read(in_fd, buf, want);
    if (r <= 0) return r;
    iovec iov{buf, static_cast<std::size_t>(r)};
    auto sent = op_send(out_fd, *s, &iov, 1, MSG_NOSIGNAL);
    if (!sent) {
        errno = sent.err().code;
        return -1;
    }
    return *sent;
}

}  // namespace
}  // namespace shunt::preload

using namespace shunt::preload;

SHUNT_EXPORT ssize_t sendfile(int out_fd, int in_fd, off_t* offset, size_t count) {
    if (held_socket s{out_fd}; s) {
        off64_t o = offset ? *offset : 0;
        const ssize_t r = sendfile_common(out_fd, s, in_fd, offset ? &o : nullptr, count);
        if (offset) *offset = static_cast<off_t>(o);
        return r;
    }
    return real::sendfile(out_fd, in_fd, offset, count);
}

SHUNT_EXPORT ssize_t sendfile64(int out_fd, int in_fd, off64_t* offset, size_t count) {
    if (held_socket s{out_fd}; s) return sendfile_common(out_fd, s, in_fd, offset, count);
    return real::sendfile64(out_fd, in_fd, offset, count);
}

SHUNT_EXPORT ssize_t splice(int fd_in, loff_t* off_in, int fd_out, loff_t* off_out, size_t len, unsigned int flags) {
    held_socket held_in{fd_in}, held_out{fd_out};
    accel_socket* in = held_in;
    accel_socket* out = held_out;
    if (!in && !out) return real::splice(fd_in, off_in, fd_out, off_out, len, flags);
    // As the kernel: one end must be a pipe, and a socket takes no offset.
    if ((in && out) || (in && in->dgram) || (out && out->dgram) || (in && in->listener.load()) ||
        (out && out->listener.load()) || (in && off_in) || (out && off_out)) {
        errno = EINVAL;
        return -1;
    }
    if (len == 0) return 0;
    return in ? splice_from_socket(fd_in, in, fd_out, len, flags) : splice_to_socket(fd_in, fd_out, out, len, flags);
}
