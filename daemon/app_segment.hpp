// The daemon's side of one app's shared segment: a memfd it creates, sizes
// and initialises before the app ever sees it, and its own mapping of it.
// The geometry is the daemon's (from its configuration) and is never read
// back from the segment.
#pragma once

#include <cstdint>
#include <vector>

#include "base/result.hpp"
#include "shm/segment.hpp"

namespace shunt::daemon {

class app_segment {
public:
    [[nodiscard]] static result<app_segment> create(const shm::segment_geometry& g, std::uint64_t session,
                                                    const std::vector<shm::served_route>& routes);
    app_segment(app_segment&& o) noexcept;
    app_segment& operator=(app_segment&&) = delete;
    app_segment(const app_segment&) = delete;
    ~app_segment();

    int memfd() const { return fd_; }
    const shm::segment_view& view() const { return view_; }
    // Hands a closed socket's ring memory back to the system (the memfd's
    // pages are released; the range reads as zeros afterwards).
    void release_socket_memory(std::uint32_t sock) const;
    // Bytes of the segment currently backed by memory.
    std::uint64_t resident_bytes() const;

private:
    app_segment(int fd, shm::segment_view v) : fd_(fd), view_(v) {}
    int fd_ = -1;
    shm::segment_view view_;
};

}  // namespace shunt::daemon
