"""App side of close_during_send: a thread's sendall() on connection 1
blocks (the peer does not read yet); the main thread closes that fd, opens
connection 2 (which takes the same fd number, and under shunt the same
socket slot had it been freed), sends b"second only" and closes it. Prints
what the blocked send ended with."""
import socket
import sys
import threading
import time

host, port = sys.argv[1], int(sys.argv[2])
one = socket.create_connection((host, port))
fd = one.fileno()
outcome = []


def blocked_send():
    try:
        # Far more than both rings and windows hold: it blocks until the peer reads.
        socket.socket(fileno=fd).sendall(b"A" * (64 << 20))
        outcome.append("sent all")
    except OSError as e:
        outcome.append("error %s" % e.strerror)


t = threading.Thread(target=blocked_send, daemon=True)
t.start()
time.sleep(1.0)  # the send is asleep by now
one.close()
two = socket.create_connection((host, port + 1))
print("same fd" if two.fileno() == fd else "other fd", flush=True)
two.sendall(b"second only")
two.close()
t.join(30)
print("blocked send:", outcome[0] if outcome else "still blocked", flush=True)
