#!/usr/bin/env python3
"""Host-side clients for the socket boot tests: each drives an echo server
on 127.0.0.1:PORT (reached through QEMU's user network) and checks every
byte that comes back.

  sockclient.py wait PORT SECONDS         until a TCP echo answers
  sockclient.py stream PORT MIB           MIB MiB of random data, SHA-256 both ways
  sockclient.py udp PORT COUNT            COUNT datagrams of mixed sizes
  sockclient.py many PORT COUNT           COUNT TCP connections open at once, then all echo

Exits 0 when everything came back as sent; prints one line of figures.
"""
import hashlib
import os
import random
import selectors
import socket
import sys
import time


def wait(port, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"ping\n")
                got = b""
                while len(got) < 5:
                    chunk = s.recv(5 - len(got))
                    if not chunk:
                        break
                    got += chunk
                if got == b"ping\n":
                    return 0
        except OSError:
            pass
        time.sleep(0.2)
    print("no echo on port %d after %d s" % (port, limit))
    return 1


def stream(port, mib):
    total = mib << 20
    sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
    block = 1 << 16
    rng = random.Random(862)
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent = received = 0
    pending = b""
    start = time.monotonic()
    last_progress = start
    while received < total:
        if time.monotonic() - last_progress > 60:
            print("stalled: sent %d, received %d of %d bytes" % (sent, received, total))
            return 1
        for key, events in sel.select(timeout=1):
            if events & selectors.EVENT_WRITE and sent < total:
                if not pending:
                    pending = rng.randbytes(min(block, total - sent))
                    sent_hash.update(pending)
                try:
                    n = s.send(pending)
                except BlockingIOError:
                    n = 0
                pending = pending[n:]
                sent += n
                if sent == total and not pending:
                    sel.modify(s, selectors.EVENT_READ)
                    s.shutdown(socket.SHUT_WR)
                last_progress = time.monotonic()
            if events & selectors.EVENT_READ:
                try:
                    data = s.recv(1 << 18)
                except BlockingIOError:
                    continue
                if not data:
                    print("the server closed after %d of %d bytes" % (received, total))
                    return 1
                got_hash.update(data)
                received += len(data)
                last_progress = time.monotonic()
    took = time.monotonic() - start
    # The server closes once it has echoed everything after our FIN.
    s.setblocking(True)
    s.settimeout(30)
    extra = s.recv(1)
    s.close()
    if extra:
        print("more bytes than were sent")
        return 1
    if sent_hash.digest() != got_hash.digest():
        print("SHA-256 differs: sent %s, got %s" % (sent_hash.hexdigest(), got_hash.hexdigest()))
        return 1
    print("%d MiB echoed in %.2f s (%.1f MB/s each way), SHA-256 %s" %
          (mib, took, total / took / 1e6, got_hash.hexdigest()[:16]))
    return 0


def udp(port, count):
    rng = random.Random(7)
    sizes = [1, 2, 64, 512, 1200, 1472, 1473, 4096, 8192, 16384, 32768, 65507]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    ok = lost = 0
    start = time.monotonic()
    for i in range(count):
        size = sizes[i % len(sizes)] if i % 3 else rng.randint(1, 9000)
        # A sequence number in front tells a late echo from this one.
        payload = i.to_bytes(4, "big") + rng.randbytes(max(0, size - 4))
        payload = payload[:size]
        for attempt in range(5):
            s.sendto(payload, ("127.0.0.1", port))
            try:
                while True:
                    data, _ = s.recvfrom(70000)
                    if data == payload:
                        ok += 1
                        break
                    # The late echo of an earlier datagram that was resent.
                    if len(data) >= 4 and int.from_bytes(data[:4], "big") < i:
                        continue
                    print("datagram %d: %d bytes came back, not the %d sent" % (i, len(data), size))
                    return 1
                break
            except socket.timeout:
                lost += 1
        else:
            print("datagram %d (%d bytes) never came back" % (i, size))
            return 1
    took = time.monotonic() - start
    print("%d datagrams echoed in %.2f s (%d resent)" % (ok, took, lost))
    return 0 if ok == count else 1


def echo_once(s, msg):
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        data = s.recv(4096)
        if not data:
            break
        got += data
    return got


def many(port, count):
    # QEMU's hostfwd listens with a backlog of one, and the host's kernel
    # completes a handshake before slirp accepts it: a client that
    # connects again at once finds the queue full and retries a second
    # later. So each connection is opened and echoed once before the
    # next opens; all of them stay open, then all send at once and only
    # then are the echoes read: the server holds COUNT connections and
    # COUNT requests in flight together.
    start = time.monotonic()
    socks = []
    for i in range(count):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            socks.append(s)
            hello = ("hello %d\n" % i).encode()
            if echo_once(s, hello) != hello:
                print("connection %d: no echo when opened" % i)
                return 1
        except OSError as e:
            print("connection %d: %s" % (i, e))
            return 1
    opened = time.monotonic() - start
    want = [("connection %d of %d\n" % (i, count)).encode() * 8 for i in range(count)]
    for s, w in zip(socks, want):
        s.sendall(w)
    for i, (s, w) in enumerate(zip(socks, want)):
        got = b""
        try:
            while len(got) < len(w):
                data = s.recv(4096)
                if not data:
                    break
                got += data
        except OSError as e:
            print("connection %d: %s after %d bytes" % (i, e, len(got)))
            return 1
        if got != w:
            print("connection %d got %r" % (i, got))
            return 1
    took = time.monotonic() - start
    for s in socks:
        s.close()
    print("%d connections open at once, all echoed, in %.2f s (%.2f s to open them)" % (count, took, opened))
    return 0


def main():
    cmd, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    return {"wait": wait, "stream": stream, "udp": udp, "many": many}[cmd](port, n)


if __name__ == "__main__":
    sys.exit(main())
