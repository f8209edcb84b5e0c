// An app process attached to a live daemon session, played by the segment
// fuzzer. The daemon's side is the real one (daemon::session over a real
// memfd segment, with its control connection a socketpair end); the app's
// side maps the same memfd a second time, as libshunt does, and can either
// follow the protocol (preload/channel.cpp, preload/socket_ops.cpp) or break
// it in any way the fuzzer asks: everything here writes through the app's
// own mapping and fds only, so the daemon sees exactly what a real app could
// do to it.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <span>

#include "daemon/session.hpp"
#include "shm/protocol.hpp"
#include "shm/segment.hpp"

namespace shunt::fuzz {

// Small, so that the fuzzer's writes often land somewhere that matters:
// 8 sockets with 4 KiB rings each way, 8 call slots (a 72 KiB segment).
constexpr std::uint32_t k_sockets = 8;
constexpr std::uint32_t k_call_slots = 8;
inline constexpr shm::segment_geometry k_geometry = shm::make_geometry(k_sockets, 4096, k_call_slots);

// What accompanies a call on the control connection.
enum class fd_kind : std::uint8_t {
    notify,      // a fresh notify pair's daemon end, tagged with the call (what libshunt sends)
    none,        // nothing
    pipe,        // a pipe end: not a unix stream socket
    dgram_pair,  // a unix datagram socket: not a stream
    wrong_tag,   // a notify end under another tag (an unclaimed fd)
    no_fd,       // a well-formed fd_message without a descriptor
    count
};

class segment_app {
public:
    struct config {
        uid_t uid = 1000;
        std::uint32_t max_sockets = k_sockets;
        std::uint64_t max_memory = 0;
    };
    // nullptr when the segment cannot be made (memfd, mmap, socketpair).
    static std::unique_ptr<segment_app> attach(std::uint64_t id, const config& c);
    ~segment_app();
    segment_app(const segment_app&) = delete;
    segment_app& operator=(const segment_app&) = delete;

    // The daemon's side; nullptr once the session is over.
    daemon::session* daemon() const { return session_.get(); }
    // The worker destroys the session (its poll or audit said it failed, or
    // it was detached and is done).
    void end_session() { session_.reset(); }
    const shm::segment_view& view() const { return view_; }  // the app's mapping

    // --- the app's half of the protocol ------------------------------------
    bool ring(std::uint64_t value);
    // Claims slot (mod call_slots): bumps its generation; returns the call's tag.
    std::uint64_t claim(std::uint32_t slot);
    // Sends what `kind` says on the control connection for the call `tag`.
    void send_fd(std::uint64_t tag, fd_kind kind);
    // Writes the command into the slot and publishes it (posted or sleeping).
    void post(std::uint32_t slot, const shm::command& c, bool sleeping);
    // Takes completed calls as libshunt does: the notify fd of a socket the
    // daemon opened or accepted is filed under its id; a closed socket's goes.
    void reap();
    // Socket data, as op_send/op_recv do, with their doorbells.
    std::int64_t send_stream(std::uint32_t sock, std::size_t n, std::uint8_t fill, bool doorbell);
    bool send_dgram(std::uint32_t sock, std::uint32_t len, std::uint32_t addr_be, std::uint16_t port_be,
                    bool doorbell);
    std::int64_t recv_stream(std::uint32_t sock, std::size_t n);
    bool recv_dgram(std::uint32_t sock);
    void clear_readable(std::uint32_t sock);  // op_helpers.hpp clear_readable
    void block_tx(std::uint32_t sock);        // op_helpers.hpp block_tx
    // Drains every notify fd the app holds (an app reading its readiness bytes).
    void drain_notify();
    void close_notify(std::uint32_t sock);
    // A message on the control connection that is not an fd_message.
    void send_junk(std::span<const std::uint8_t> msg, bool with_fd);
    void hang_up();  // the app's end of the control connection closes

private:
    segment_app() = default;
    shm::socket_shared* sh(std::uint32_t sock) const { return view_.socket(sock % k_sockets); }

    std::unique_ptr<daemon::session> session_;
    void* map_ = nullptr;
    shm::segment_view view_;
    int ctl_ = -1;
    std::map<std::uint64_t, int> sent_;           // app ends of notify pairs sent, by tag
    std::array<int, k_sockets> notify_{};         // app ends by socket id (-1: none)
    std::array<std::uint32_t, k_call_slots> generation_{};
    std::array<shm::command, k_call_slots> posted_{};
};

}  // namespace shunt::fuzz
