#!/usr/bin/env python3
# App for dropped_privileges.sh: connects to the peer, then forks a child
# that closes every fd it inherited (closefrom) and drops root for nobody,
# as a privilege-separated server's child does, and reports whether it can
# still reach its parent's sockets through shunt: the session's segment
# mapped, or an fd of it open. The parent then sends "one" on its connection.
import os, socket, sys, time

ip, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((ip, port))
pid = os.fork()
if pid == 0:
    os.closerange(3, 65536)
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)
    with open("/proc/self/maps") as f:
        mapped = "shunt-app" in f.read()
    fds = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            fds += "shunt-app" in os.readlink("/proc/self/fd/" + name)
        except OSError:
            pass
    print("child", "mapped" if mapped else "unmapped", fds, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
s.sendall(b"one\n")
print("parent sent", flush=True)
time.sleep(1)
