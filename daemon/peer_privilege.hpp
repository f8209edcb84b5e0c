// What a calling process may do, asked when it does it (issue 20, item 5):
// an app's credentials at attach say nothing of now. A privileged bind
// needs CAP_NET_BIND_SERVICE (Linux's inet_bind: ns_capable(net->user_ns,
// CAP_NET_BIND_SERVICE)), which uid 0 without the capability does not have.
// The pid comes from SCM_CREDENTIALS, which the kernel checks is the
// sender's own (unix(7)); the process is waiting in the call, so the pid
// is still its.
#pragma once

#include <sys/types.h>

namespace shunt::daemon {

// true when process `pid` holds CAP_NET_BIND_SERVICE in its effective set
// and lives in shuntd's user namespace (a capability of a user namespace of
// its own says nothing about shuntd's network). Never blocks for long: one
// capget(2) and one stat of /proc/PID/ns/user.
bool may_bind_privileged(pid_t pid);

}  // namespace shunt::daemon
