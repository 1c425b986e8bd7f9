#!/usr/bin/env python3
"""Drives a guest's virtio-balloon through QMP for the balloon boot tests
(tests/boot/t-balloon-*.sh): sets targets and follows query-balloon until
the guest reaches them, reads the guest's statistics, and checks that an
echo server in the guest still answers.

  balloon_drive.py SOCKET serve MEM_MIB ECHO_PORT
      half the memory into the balloon and back, echo checked at each
      step, statistics read at half
  balloon_drive.py SOCKET target MIB SECONDS
      sets the guest's memory to MIB and waits until actual reaches it

Each step is bounded; the first that fails ends it with status 1.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp import Qmp, QmpError  # noqa: E402

MiB = 1024 * 1024
BALLOON = "/machine/peripheral/balloon0"


def say(*args):
    print("balloon_drive:", *args, flush=True)


def follow(q, target, seconds):
    """Sets the target and waits for actual to reach it; returns the time."""
    start = time.monotonic()
    q.cmd("balloon", value=target)
    actual = None
    while time.monotonic() - start < seconds:
        actual = q.cmd("query-balloon")["actual"]
        if actual == target:
            took = time.monotonic() - start
            say(f"actual reached {target // MiB} MiB in {took:.1f} s")
            return took
        time.sleep(0.2)
    raise QmpError(f"actual {actual} never reached {target} within {seconds} s")


def settle(q, seconds):
    """Waits until actual stops moving (the same for two seconds)."""
    end = time.monotonic() + seconds
    last = None
    while time.monotonic() < end:
        actual = q.cmd("query-balloon")["actual"]
        if actual == last:
            return actual
        last = actual
        time.sleep(2)
    raise QmpError(f"actual still moving after {seconds} s")


def echo_roundtrip(port, nbytes=65536):
    data = os.urandom(nbytes)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(data)
        back = b""
        while len(back) < nbytes:
            chunk = s.recv(65536)
            if not chunk:
                break
            back += chunk
    if back != data:
        raise QmpError(f"echo returned {len(back)} bytes, not the {nbytes} sent")
    say(f"echo answered {nbytes} bytes")


def stats(q, seconds):
    """Figures the guest gave after this call: QEMU asks every second, and
    last-update (in seconds) moves on with each answer."""
    q.cmd("qom-set", path=BALLOON, property="guest-stats-polling-interval", value=1)
    before = q.cmd("qom-get", path=BALLOON, property="guest-stats").get("last-update", 0)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        s = q.cmd("qom-get", path=BALLOON, property="guest-stats")
        if s.get("last-update", 0) > before:
            return s["stats"]
        time.sleep(0.25)
    raise QmpError(f"no fresh statistics within {seconds} s")


def serve(q, mem_mib, port):
    full, half = mem_mib * MiB, mem_mib * MiB // 2
    echo_roundtrip(port)
    follow(q, half, 120)
    echo_roundtrip(port)
    st = stats(q, 30)
    say("stats " + " ".join(f"{k}={v}" for k, v in sorted(st.items())))
    total, free, avail = st["stat-total-memory"], st["stat-free-memory"], st["stat-available-memory"]
    # The guest's RAM is all of it, less what the firmware keeps; with
    # half of it in the balloon, less than half is free.
    if not (full - 8 * MiB <= total <= full):
        raise QmpError(f"total memory {total} is not about {full}")
    if not (0 < free < half) or avail < free:
        raise QmpError(f"free {free}, available {avail} with {half} in the balloon")
    if st["stat-swap-in"] != 0 or st["stat-major-faults"] != 0:
        raise QmpError("Keel does not swap")
    # More than the guest can give: it stops at its floor of free memory
    # (16 MiB here) and keeps serving.
    q.cmd("balloon", value=1 * MiB)
    settled = settle(q, 120)
    echo_roundtrip(port)
    st = stats(q, 30)
    say(f"asked for all but 1 MiB: actual {settled // MiB} MiB, {st['stat-free-memory'] // MiB} MiB free")
    # About the floor: Keel allocates and frees meanwhile.
    if settled <= 1 * MiB or not (15 * MiB <= st["stat-free-memory"] < 24 * MiB):
        raise QmpError(f"actual {settled}, free {st['stat-free-memory']}: not held at the floor")
    follow(q, full, 120)
    echo_roundtrip(port)
    st = stats(q, 30)
    if st["stat-free-memory"] <= free + half // 2:
        raise QmpError(f"free memory {st['stat-free-memory']} did not grow back from {free}")
    say(f"free memory back to {st['stat-free-memory'] // MiB} MiB")


def main(argv):
    try:
        q = Qmp(argv[1], timeout=60)
        if argv[2] == "serve":
            serve(q, int(argv[3]), int(argv[4]))
        elif argv[2] == "target":
            follow(q, int(argv[3]) * MiB, float(argv[4]))
        else:
            print(__doc__, file=sys.stderr)
            return 2
        q.close()
    except (QmpError, OSError, KeyError, ValueError) as e:
        say(f"FAILED: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
