#include "shm/fd_passing.hpp"

#include "shm/sys.hpp"

#include <cerrno>
#include <cstring>

namespace shunt::shm {

int send_with_fds(int sock, const void* buf, std::size_t len, const int* fds, int nfds, int flags,
                  const ucred* cred) {
    if (nfds < 0 || nfds > k_max_passed_fds) return -EINVAL;
    iovec iov{const_cast<void*>(buf), len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char ctl[CMSG_SPACE(k_max_passed_fds * sizeof(int)) + CMSG_SPACE(sizeof(ucred))] = {};
    std::size_t used = (nfds > 0 ? CMSG_SPACE(nfds * sizeof(int)) : 0) + (cred ? CMSG_SPACE(sizeof(ucred)) : 0);
    if (used) {
        mh.msg_control = ctl;
        mh.msg_controllen = used;
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        if (nfds > 0) {
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
            std::memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
            c = CMSG_NXTHDR(&mh, c);
        }
        if (cred) {
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_CREDENTIALS;
            c->cmsg_len = CMSG_LEN(sizeof(ucred));
            std::memcpy(CMSG_DATA(c), cred, sizeof(ucred));
        }
    }
    for (;;) {
        const long r = sys::sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
        if (r >= 0) return 0;
        if (r != -EINTR) return static_cast<int>(r);
    }
}

int send_with_fd(int sock, const void* buf, std::size_t len, int fd, int flags) {
    return send_with_fds(sock, buf, len, &fd, fd >= 0 ? 1 : 0, flags);
}

namespace {
void close_now(int fd) noexcept { sys::close(fd); }
}  // namespace

ssize_t recv_with_fds(int sock, void* buf, std::size_t len, int fds[k_max_passed_fds], int flags, bool* fds_lost,
                      fd_disposer dispose, ucred* cred) {
    if (!dispose) dispose = close_now;
    for (int i = 0; i < k_max_passed_fds; ++i) fds[i] = -1;
    if (fds_lost) *fds_lost = false;
    if (cred) *cred = ucred{0, 0, 0};
    iovec iov{buf, len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    // Room for more than we keep: a sender's extra descriptors are received
    // (and closed) rather than left to MSG_CTRUNC; and for credentials.
    alignas(cmsghdr) char ctl[CMSG_SPACE(4 * sizeof(int)) + CMSG_SPACE(sizeof(ucred))];
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    long n;
    do {
        n = sys::recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
    } while (n == -EINTR);
    if (n < 0) return n;
    int kept = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS && cred &&
            c->cmsg_len == CMSG_LEN(sizeof(ucred))) {
            std::memcpy(cred, CMSG_DATA(c), sizeof(ucred));
            continue;
        }
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int f;
            std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
            if (kept < k_max_passed_fds) fds[kept++] = f;
            else dispose(f);
        }
    }
    // Fewer descriptors than were sent: none is usable as the message meant.
    if (mh.msg_flags & MSG_CTRUNC) {
        for (int i = 0; i < k_max_passed_fds; ++i)
            if (fds[i] >= 0) {
                dispose(fds[i]);
                fds[i] = -1;
            }
        if (fds_lost) *fds_lost = true;
    }
    return n;
}

ssize_t recv_with_fd(int sock, void* buf, std::size_t len, int* fd, int flags, fd_disposer dispose) {
    int fds[k_max_passed_fds];
    const ssize_t n = recv_with_fds(sock, buf, len, fds, flags, nullptr, dispose);
    *fd = fds[0];
    for (int i = 1; i < k_max_passed_fds; ++i)
        if (fds[i] >= 0) (dispose ? dispose : close_now)(fds[i]);
    return n;
}

}  // namespace shunt::shm
