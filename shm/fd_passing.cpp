#include "shm/fd_passing.hpp"

#include "shm/sys.hpp"

#include <cerrno>
#include <cstring>

namespace shunt::shm {

int send_with_fd(int sock, const void* buf, std::size_t len, int fd, int flags) {
    iovec iov{const_cast<void*>(buf), len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        mh.msg_control = ctl;
        mh.msg_controllen = sizeof ctl;
        cmsghdr* c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    for (;;) {
        const long r = sys::sendmsg(sock, &mh, flags | MSG_NOSIGNAL);
        if (r >= 0) return 0;
        if (r != -EINTR) return static_cast<int>(r);
    }
}

ssize_t recv_with_fd(int sock, void* buf, std::size_t len, int* fd, int flags) {
    *fd = -1;
    iovec iov{buf, len};
    msghdr mh{};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    alignas(cmsghdr) char ctl[CMSG_SPACE(4 * sizeof(int))];
    mh.msg_control = ctl;
    mh.msg_controllen = sizeof ctl;
    long n;
    do {
        n = sys::recvmsg(sock, &mh, flags | MSG_CMSG_CLOEXEC);
    } while (n == -EINTR);
    if (n < 0) return n;
    for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t i = 0; i < count; ++i) {
            int f;
            std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
            if (*fd < 0) *fd = f;
            else sys::close(f);
        }
    }
    return n;
}

}  // namespace shunt::shm
