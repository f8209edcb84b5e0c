#include "preload/exec_handover.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "preload/channel.hpp"
#include "preload/fd_table.hpp"
#include "preload/fork_holders.hpp"
#include "preload/log.hpp"
#include "preload/socket_ops.hpp"
#include "shm/sys.hpp"

namespace shunt::preload::handover {
namespace {

using shm::sys::raw;

constexpr const char* k_var = "SHUNT_HANDOVER";
constexpr const char* k_version = "4";  // the format below: what adopt() reads
constexpr unsigned k_flag_dgram = 1, k_flag_shut_rd = 2, k_flag_shut_wr = 4;

// Sockets counted for a spawn's child, taken back if the spawn fails.
thread_local std::vector<accel_socket*> t_counted;

void set_cloexec(int fd, bool on) {
    if (fd >= 0) raw(SYS_fcntl, fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

unsigned long inode_of(int fd) {
    struct stat st{};
    return raw(SYS_fstat, fd, reinterpret_cast<long>(&st)) == 0 && S_ISSOCK(st.st_mode) ? st.st_ino : 0;
}

// Any fd's inode (an epoll fd's too), 0 when it is not open.
unsigned long any_inode_of(int fd) {
    struct stat st{};
    return raw(SYS_fstat, fd, reinterpret_cast<long>(&st)) == 0 ? st.st_ino : 0;
}

// A socket on both stacks (preload/dual_listener.cpp, dual_udp.cpp) has
// private fds beside the app's: the kernel socket and, for a TCP listener,
// shuntd's notify socket (the app's fd is then an epoll fd over both). They
// cross the exec by number, named in its record with the app's fd number
// and each private fd's socket inode: the new image touches (closes, makes
// close-on-exec) only an fd that is still that socket, so a stale or forged
// SHUNT_HANDOVER cannot close or change the program's other fds.
struct dual_fds {
    int app = -1, kernel = -1, notify = -1;
    unsigned long kernel_ino = 0, notify_ino = 0;
};

struct record {
    channel* ch = nullptr;  // the channel it lives on (null: not usable)
    std::uint32_t id = 0;
    unsigned long inode = 0;
    unsigned flags = 0;
    int linger = -1;  // SO_LINGER seconds when on
    dual_fds dual;
    std::vector<int> fds;
};

// The dual sockets' private fds and the channels' fds, made inheritable
// for the exec (and close-on-exec again by finish()).
thread_local std::vector<int> t_private;
thread_local std::vector<int> t_channel_fds;
// A spawn's child: its holders (preload/fork_holders.hpp), until finish().
thread_local fork_holders::child_part t_child;

// The holder `ch`'s new image has: this process's for an exec, the child's for a spawn.
std::uint32_t holder_for(channel* ch, bool new_process) {
    if (new_process)
        for (int i = 0; i < t_child.n; ++i)
            if (t_child.chans[i] == ch) return t_child.ids[i];
    return ch->holder();
}

}  // namespace

std::string prepare(bool new_process) {
    t_counted.clear();
    t_private.clear();
    t_channel_fds.clear();
    t_child = new_process ? fork_holders::prepare() : fork_holders::child_part{};
    // Every channel with sockets in this image: its own and those inherited
    // across fork; each socket goes with the channel it lives on.
    channel* chans[channel::k_max_inherited + 1];
    int nch = channel::inherited(chans);
    channel* current = channel::existing();
    if (current) chans[nch++] = current;
    std::string e;
    std::vector<accel_socket*> seen;
    for (int k = 0; k < nch; ++k) {
        channel* ch = chans[k];
        std::string recs;
        fd_table::for_each([&](int fd, accel_socket* s) {
            if (s->ch != ch) return;
            for (accel_socket* c : seen)
                if (c == s) return;
            seen.push_back(s);
            const bool dual = s->kernel_fd >= 0;
            const unsigned long ino = dual ? any_inode_of(fd) : inode_of(fd);
            if (!ino) return;
            const unsigned flags = (s->dgram ? k_flag_dgram : 0) |
                                   (s->shut_rd.load(std::memory_order_relaxed) ? k_flag_shut_rd : 0) |
                                   (s->shut_wr.load(std::memory_order_relaxed) ? k_flag_shut_wr : 0);
            char buf[192];
            std::snprintf(buf, sizeof buf, ";%u,%lu,%u,%d,%d,%d,%d,%lu,%lu", s->id, ino, flags,
                          s->linger_on ? s->linger_s : -1, dual ? fd : -1, dual ? s->kernel_fd : -1,
                          dual ? s->notify_fd : -1, dual ? inode_of(s->kernel_fd) : 0,
                          dual ? inode_of(s->notify_fd) : 0);
            recs += buf;
            if (dual) {
                for (int p : {s->kernel_fd, s->notify_fd}) {
                    if (p < 0) continue;
                    set_cloexec(p, false);
                    t_private.push_back(p);
                }
            }
            if (new_process) {
                s->sh->app_refs.fetch_add(1, std::memory_order_relaxed);
                t_counted.push_back(s);
            }
        });
        if (recs.empty()) continue;
        char head[112];
        std::snprintf(head, sizeof head, "@%d,%d,%d,%llu,%u", ch == current ? 1 : 0, ch->control_fd(),
                      ch->segment_fd(), static_cast<unsigned long long>(ch->segment_size()),
                      holder_for(ch, new_process));
        e += head + recs;
        for (int fd : {ch->control_fd(), ch->segment_fd()}) {
            set_cloexec(fd, false);
            t_channel_fds.push_back(fd);
        }
    }
    if (e.empty()) return {};
    // The new image's holder pair, by number and inode as the private fds.
    // A spawn's child that shares a holder with this process keeps this
    // process's kept end too (preload/fork_holders.cpp child_after).
    const bool child_pair = new_process && t_child.keep >= 0;
    const int keep = child_pair ? t_child.keep : channel::holder_keep_fd();
    const int daemon_end = child_pair ? t_child.daemon_end : channel::holder_daemon_fd();
    std::vector<int> inherit{keep, daemon_end};
    if (child_pair && t_child.shares) inherit.push_back(channel::holder_keep_fd());
    for (int fd : inherit) {
        if (fd < 0) continue;
        set_cloexec(fd, false);
        t_channel_fds.push_back(fd);
    }
    char pair[96] = "";
    if (keep >= 0 && daemon_end >= 0)
        std::snprintf(pair, sizeof pair, "!%d,%lu,%d,%lu", keep, inode_of(keep), daemon_end, inode_of(daemon_end));
    return std::string(k_var) + "=" + k_version + pair + e;
}

void finish(bool new_process, bool failed) {
    for (int fd : t_channel_fds) set_cloexec(fd, true);
    t_channel_fds.clear();
    for (int p : t_private) set_cloexec(p, true);
    t_private.clear();
    if (new_process && failed)
        for (accel_socket* s : t_counted) s->sh->app_refs.fetch_sub(1, std::memory_order_relaxed);
    t_counted.clear();
    if (new_process) fork_holders::parent_after(t_child);  // the child's (or, failed, nobody's)
}

std::vector<char*> environment(char* const* envp, std::string& entry) {
    std::vector<char*> out;
    const std::size_t n = std::strlen(k_var);
    for (char* const* p = envp; p && *p; ++p)
        if (!(std::strncmp(*p, k_var, n) == 0 && (*p)[n] == '=')) out.push_back(*p);
    if (!entry.empty()) out.push_back(entry.data());
    out.push_back(nullptr);
    return out;
}

void adopt() noexcept {
    const char* v = secure_getenv(k_var);
    if (!v) return;
    const std::string text = v;
    unsetenv(k_var);  // this image's own children get a fresh one
    if (text.rfind(k_version, 0) != 0) {
        log_line(log_level::warn, "malformed %s; inherited accelerated sockets are not usable", k_var);
        return;
    }
    std::vector<record> recs;
    std::vector<int> shunt_fds;  // the channels' own fds: never a socket's
    const char* p = text.c_str() + 1;
    // The holder pair: each fd used only if it still is the socket named.
    if (*p == '!') {
        int keep = -1, daemon_end = -1, n = 0;
        unsigned long keep_ino = 0, daemon_ino = 0;
        if (std::sscanf(p, "!%d,%lu,%d,%lu%n", &keep, &keep_ino, &daemon_end, &daemon_ino, &n) == 4) {
            p += n;
            if (keep != daemon_end && keep_ino && inode_of(keep) == keep_ino && daemon_ino &&
                inode_of(daemon_end) == daemon_ino) {
                set_cloexec(keep, true);
                set_cloexec(daemon_end, true);
                shunt_fds.push_back(keep);
                shunt_fds.push_back(daemon_end);
                channel::set_holder_fds(keep, daemon_end);
            }
        }
    }
    channel* ch = nullptr;
    unsigned unusable = 0;
    while (*p == '@' || *p == ';') {
        int n = 0;
        if (*p == '@') {
            int current = 0, ctl = -1, seg = -1;
            unsigned long long size = 0;
            unsigned holder = 0;
            if (std::sscanf(p, "@%d,%d,%d,%llu,%u%n", &current, &ctl, &seg, &size, &holder, &n) != 5) break;
            p += n;
            struct stat st{};
            ch = nullptr;
            if (inode_of(ctl) != 0 && raw(SYS_fstat, seg, reinterpret_cast<long>(&st)) == 0 &&
                static_cast<unsigned long long>(st.st_size) == size)
                ch = channel::adopt(ctl, seg, size, current == 1, holder);
            if (!ch) {
                ++unusable;
                continue;
            }
            set_cloexec(ctl, true);
            set_cloexec(seg, true);
            shunt_fds.push_back(ctl);
            shunt_fds.push_back(seg);
            continue;
        }
        record r;
        if (std::sscanf(p, ";%u,%lu,%u,%d,%d,%d,%d,%lu,%lu%n", &r.id, &r.inode, &r.flags, &r.linger, &r.dual.app,
                        &r.dual.kernel, &r.dual.notify, &r.dual.kernel_ino, &r.dual.notify_ino, &n) != 9)
            break;
        p += n;
        r.ch = ch;
        recs.push_back(r);
    }
    if (unusable)
        log_line(log_level::warn, "%u inherited segment(s) of %s not usable; their sockets are not usable", unusable,
                 k_var);
    std::unordered_map<unsigned long, std::size_t> by_inode;
    for (std::size_t i = 0; i < recs.size(); ++i)
        if (recs[i].dual.app < 0) by_inode.emplace(recs[i].inode, i);
    auto is_shunts = [&shunt_fds](int fd) {
        for (int f : shunt_fds)
            if (f == fd) return true;
        return false;
    };
    // Which fds of this image are inherited notify sockets: every fd is
    // looked at, so copies made between fork and exec are found too.
    if (DIR* d = opendir("/proc/self/fd")) {
        const int dfd = dirfd(d);
        while (dirent* de = readdir(d)) {
            const int fd = std::atoi(de->d_name);
            if (de->d_name[0] == '.' || fd == dfd || is_shunts(fd)) continue;
            const unsigned long ino = inode_of(fd);
            if (auto it = by_inode.find(ino); ino && it != by_inode.end()) recs[it->second].fds.push_back(fd);
        }
        closedir(d);
    }
    // A socket on both stacks: its app fd by number (an epoll fd has no
    // socket inode to look for), checked against the inode it had; its
    // private fds, each checked the same way, close-on-exec again. One
    // that is not what the record says is not this socket's: left alone.
    auto is_private = [&](int fd, unsigned long ino) {
        return fd >= 0 && ino != 0 && !is_shunts(fd) && inode_of(fd) == ino;
    };
    for (record& r : recs) {
        if (!is_private(r.dual.kernel, r.dual.kernel_ino)) r.dual.kernel = -1;
        if (!is_private(r.dual.notify, r.dual.notify_ino)) r.dual.notify = -1;
        if (r.dual.app < 0) continue;
        if (!is_shunts(r.dual.app) && any_inode_of(r.dual.app) == r.inode) r.fds.push_back(r.dual.app);
        set_cloexec(r.dual.kernel, true);
        set_cloexec(r.dual.notify, true);
    }
    unsigned kept = 0, released = 0;
    for (const record& r : recs) {
        accel_socket* s = r.ch && r.id < r.ch->view().geometry().max_sockets
                              ? attach_socket(r.ch, r.id, (r.flags & k_flag_dgram) != 0, false)
                              : nullptr;
        if (s && r.dual.app >= 0 && !r.fds.empty() && r.dual.kernel >= 0) {
            s->kernel_fd = r.dual.kernel;
            s->notify_fd = r.dual.notify;
        } else {
            // Not usable on both stacks (or at all): its private fds go.
            for (int p : {r.dual.kernel, r.dual.notify})
                if (p >= 0) shm::sys::close(p);
        }
        if (!s) continue;
        s->shut_rd.store((r.flags & k_flag_shut_rd) != 0, std::memory_order_relaxed);
        s->shut_wr.store((r.flags & k_flag_shut_wr) != 0, std::memory_order_relaxed);
        s->linger_on = r.linger >= 0;
        s->linger_s = r.linger >= 0 ? r.linger : 0;
        if (r.fds.empty()) {
            // No fd of this image names it (close-on-exec): this process lets go.
            op_release(s);
            ++released;
            continue;
        }
        s->fd_refs.store(static_cast<int>(r.fds.size()), std::memory_order_relaxed);
        for (int fd : r.fds) {
            const long fl = raw(SYS_fcntl, fd, F_GETFL);
            s->nonblocking.store(fl >= 0 && (fl & O_NONBLOCK), std::memory_order_relaxed);
            fd_table::set(fd, s);
        }
        ++kept;
    }
    log_line(log_level::debug, "exec: %u accelerated sockets inherited, %u released", kept, released);
}

}  // namespace shunt::preload::handover
