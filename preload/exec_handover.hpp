// Accelerated sockets across exec (and posix_spawn). An exec replaces the
// image and with it libshunt's state, but not the open fds: the notify fds
// of accelerated sockets, the control socket and the segment's memfd all
// survive when not close-on-exec. Before the exec, libshunt writes one
// environment entry, SHUNT_HANDOVER, naming for each channel with sockets
// (this process's own, and those inherited across fork: preload/channel.hpp)
// its control and segment fds and, for every accelerated socket on it, its
// id and its notify socket's inode (a socket on both stacks: also its fd
// numbers, the app's and its private ones); the new
// image's libshunt maps the same segment and finds its accelerated fds by
// inode among the fds it has (so dup2'ed copies, as an inetd-style server
// gives a handler on stdin/stdout, are found too). A socket no fd of the new
// image names any more (close-on-exec, closed by spawn file actions) is
// released as a close would.
//
// Every process holding a socket is a holder of it in shuntd
// (preload/fork_holders.hpp): an exec keeps the process's holders and its
// holder pair (handed over by number and inode); a spawn makes the child's,
// which lets go of the sockets no fd of the new image names. app_refs counts
// the same way (a hint for libshunt).
#pragma once

#include <string>
#include <vector>

namespace shunt::preload::handover {

// Before an exec (new_process false) or a spawn (true): the entry to put in
// the new image's environment ("" when there is nothing to hand over), with
// the control and segment fds made inheritable.
std::string prepare(bool new_process);
// The exec or spawn returned (failed, or a spawn is done): the fds become
// close-on-exec again; a failed spawn also takes back the child's counts.
void finish(bool new_process, bool failed);
// envp with SHUNT_HANDOVER replaced by `entry` (dropped when entry is
// empty). The array points into envp and `entry`, which must outlive it.
std::vector<char*> environment(char* const* envp, std::string& entry);

// New image, at load: adopt what the previous image handed over.
void adopt() noexcept;

}  // namespace shunt::preload::handover
