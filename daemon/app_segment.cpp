#include "daemon/app_segment.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace shunt::daemon {

result<app_segment> app_segment::create(const shm::segment_geometry& g, std::uint64_t session,
                                        const std::vector<shm::served_route>& routes) {
    const std::string name = "shunt-app-" + std::to_string(session);
    int fd = memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return make_error(errno, std::string("memfd_create: ") + std::strerror(errno));
    // The size is sealed: an app cannot shrink the file under the daemon's
    // mapping (which would turn the daemon's reads into SIGBUS).
    if (ftruncate(fd, static_cast<off_t>(g.size)) != 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
        const int e = errno;
        close(fd);
        return make_error(e, std::string("sizing the app segment: ") + std::strerror(e));
    }
    void* base = mmap(nullptr, g.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    if (base == MAP_FAILED) {
        const int e = errno;
        close(fd);
        return make_error(e, std::string("mapping the app segment: ") + std::strerror(e));
    }
    shm::segment_view v(base, g);
    shm::segment_header* h = v.header();
    h->magic = shm::k_segment_magic;
    h->version = shm::k_protocol_version;
    h->header_size = sizeof(shm::segment_header);
    h->geometry = g;
    h->session = session;
    h->daemon_pid = static_cast<std::uint32_t>(getpid());
    h->n_routes = 0;
    for (const auto& r : routes) {
        if (h->n_routes == shm::k_max_routes) break;
        h->routes[h->n_routes++] = r;
    }
    // A fresh memfd reads as zeros: call slots are free and socket states
    // clear; only the ring cells need their sequence numbers.
    shm::index_ring_init(v.ring(), v.cells(), g.ring_cells);
    return app_segment(fd, v);
}

app_segment::app_segment(app_segment&& o) noexcept : fd_(o.fd_), view_(o.view_) {
    o.fd_ = -1;
    o.view_ = {};
}

app_segment::~app_segment() {
    if (view_.base()) munmap(view_.base(), view_.geometry().size);
    if (fd_ >= 0) close(fd_);
}

void app_segment::release_socket_memory(std::uint32_t sock) const {
    fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(view_.data_offset(sock)),
              static_cast<off_t>(2 * std::uint64_t{view_.geometry().ring_bytes}));
}

std::uint64_t app_segment::resident_bytes() const {
    struct stat st{};
    if (fstat(fd_, &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

}  // namespace shunt::daemon
