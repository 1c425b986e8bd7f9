#!/usr/bin/env python3
"""The soak's helpers that are easier in Python than in the shell
(bench/soak.sh runs them):

  soak.py stream HOST PORT SECONDS OUT
      streams random bytes through a TCP echo server (apps/echo) for
      SECONDS and checks that every byte comes back in order; writes
      "bytes=N mbps=X mismatches=M error=..." to OUT.
  soak.py put HOST SECONDS OUT
      writes files to the appliance's disk over HTTP for SECONDS: PUT
      /upload/soak-S.bin (16 names, rewritten in turn) with random bodies
      of 1 byte to 64 KiB, each read back with GET and compared; writes
      "puts=N bytes=B errors=E first_error=..." to OUT.
  soak.py heap LOG WARMUP_FRACTION MARGIN_PCT MARGIN_BYTES
      judges the kernel's heap from the "keel: mem" lines of a serial log
      (kernel/memreport.h): prints one line of figures and exits 1 when
      the heap grew (the rule is in heap_verdict below).
  soak.py selftest
      checks the heap rule, the report's parsing and the disk's slot
      arithmetic on made-up inputs (run by make test).
  soak.py disk KEELFS IMAGE DIR SLOTS LAST
      checks with the host tool that after "synced LAST" of mtest's
      fsync-cycle (tests/apps/mtest/fscrash.c) every slot holds the last
      file written to it, whole; prints the files and bytes verified.
"""
import os
import re
import socket
import subprocess
import sys
import threading
import time


def stream(host, port, seconds, out):
    """Sends and receives at once (two threads), so the server's window
    never fills; the data is a repeating random block, checked on return."""
    block = os.urandom(65536)
    sent = [0]
    got = [0]
    mismatches = [0]
    error = [""]
    deadline = time.monotonic() + seconds
    try:
        s = socket.create_connection((host, port), timeout=30)
    except OSError as e:
        open(out, "w").write("bytes=0 mbps=0 mismatches=0 error=%s\n" % str(e).replace(" ", "_"))
        return 1
    s.settimeout(30)
    start = time.monotonic()

    def sender():
        try:
            while time.monotonic() < deadline:
                s.sendall(block)
                sent[0] += len(block)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            error[0] = error[0] or "send:" + str(e).replace(" ", "_")

    t = threading.Thread(target=sender)
    t.start()
    try:
        while True:
            # Once the sending ends, the rest may take a few retransmission
            # timeouts (seconds each on a lossy link) to come back.
            if not t.is_alive():
                s.settimeout(120)
            data = s.recv(262144)
            if not data:
                break
            off = got[0] % len(block)
            # Compare against the block, wrapping around it.
            i = 0
            while i < len(data):
                n = min(len(data) - i, len(block) - off)
                if data[i:i + n] != block[off:off + n]:
                    mismatches[0] += 1
                i += n
                off = 0
            got[0] += len(data)
            if mismatches[0]:
                break
    except OSError as e:
        error[0] = error[0] or "recv:" + str(e).replace(" ", "_")
    t.join()
    elapsed = time.monotonic() - start
    s.close()
    if got[0] != sent[0] and not error[0]:
        error[0] = "short:%d_of_%d_bytes_back" % (got[0], sent[0])
    mbps = got[0] * 8 / elapsed / 1e6 if elapsed > 0 else 0
    open(out, "w").write("bytes=%d mbps=%.1f mismatches=%d error=%s\n" % (got[0], mbps, mismatches[0], error[0] or "none"))
    return 0 if not error[0] and not mismatches[0] else 1


def put(host, seconds, out):
    import http.client
    import random
    deadline = time.monotonic() + seconds
    puts = nbytes = errors = 0
    first_error = ""
    conn = None
    n = 0
    while time.monotonic() < deadline:
        path = "/upload/soak-%02d.bin" % (n % 16)
        body = os.urandom(random.randint(1, 65536))
        n += 1
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, 80, timeout=60)
            conn.request("PUT", path, body, {"Content-Type": "application/octet-stream"})
            r = conn.getresponse()
            r.read()
            if r.status not in (200, 201, 204):
                raise RuntimeError("PUT %s: HTTP %d" % (path, r.status))
            conn.request("GET", path)
            r = conn.getresponse()
            back = r.read()
            if r.status != 200 or back != body:
                raise RuntimeError("GET %s: HTTP %d, %d bytes of %d, %s" % (path, r.status, len(back), len(body),
                                   "same" if back == body else "different"))
            puts += 1
            nbytes += len(body)
        except (OSError, RuntimeError, http.client.HTTPException) as e:
            errors += 1
            first_error = first_error or str(e)
            if conn is not None:
                conn.close()
            conn = None
    open(out, "w").write("puts=%d bytes=%d errors=%d first_error=%s\n" %
                         (puts, nbytes, errors, (first_error or "none").replace(" ", "_")))
    return 0 if errors == 0 and puts > 0 else 1


MEM_LINE = re.compile(r"keel: mem (t=\S+(?: \w+=\d+)*)")


def samples(log):
    """Every report line of the log, as a dict of its fields."""
    out = []
    with open(log, "rb") as f:
        for raw in f:
            m = MEM_LINE.search(raw.decode("latin-1"))
            if m:
                fields = dict(kv.split("=", 1) for kv in m.group(1).split())
                out.append({k: float(v) for k, v in fields.items()})
    return out


# What one block in KeelFS's cache costs the kernel heap: its 4,096 bytes
# and its 48-byte struct kfs_cblock, each in a chunk with a 16-byte header
# rounded up to 16 (kernel/mm/heap.c).
KFS_CACHE_BLOCK_HEAP = 4112 + 64


def heap_outside_caches(x):
    """The heap in use less what KeelFS's metadata cache holds: that cache
    grows as the disk is used, up to its bound, and is judged by that
    bound, not by the trend. KeelFS's file-data cache (kfs_data_blocks)
    costs the heap nothing as it fills: its blocks are pages of the page
    allocator (they show in free_pages) and its bookkeeping one array
    allocated at mount, so nothing is subtracted for it."""
    return x["heap_used"] - x.get("kfs_cache_blocks", 0) * KFS_CACHE_BLOCK_HEAP


def heap_verdict(s, warmup, margin_pct, margin_bytes):
    """The rule: the first WARMUP fraction of the samples is the warm-up
    (connections open, buffers fill) and is not judged; of the samples
    after it, the least heap in use outside KeelFS's block cache over the
    last quarter may exceed the least over the first quarter by at most
    MARGIN_PCT percent plus MARGIN_BYTES. A heap that leaks a little at
    every request raises its floor and fails; one that breathes with the
    load keeps it, however many reports fall in a peak (a commit's 1 MiB
    staging buffer, which a guest syncing files back to back holds in
    most of them: a median caught it there once)."""
    judged = s[int(len(s) * warmup):]
    if len(judged) < 4:
        return False, "too few reports (%d after the warm-up; 4 needed)" % len(judged)
    q = max(1, len(judged) // 4)
    def floor(xs):
        return min(heap_outside_caches(x) for x in xs)
    first = floor(judged[:q])
    last = floor(judged[-q:])
    limit = first * (1 + margin_pct / 100) + margin_bytes
    ok = last <= limit
    return ok, "outside the fs cache: first quarter's least %d, last quarter's least %d, limit %d" % (first, last, limit)


def heap(log, warmup, margin_pct, margin_bytes):
    s = samples(log)
    if not s:
        print("reports=0 verdict=no_reports")
        return 1
    ok, why = heap_verdict(s, warmup, margin_pct, margin_bytes)
    first, last = s[0], s[-1]
    extra = " ".join("%s=%d..%d" % (k, first[k], last[k]) for k in last if k not in ("t", "heap_used", "heap_bytes", "heap_allocs", "free_pages") and k in first)
    extra += " outside_cache=%d..%d" % (heap_outside_caches(first), heap_outside_caches(last))
    print("reports=%d heap_used_min=%d heap_used_max=%d heap_used_last=%d heap_bytes_last=%d allocs_last=%d "
          "free_pages=%d..%d %s verdict=%s why=%s" %
          (len(s), min(x["heap_used"] for x in s), max(x["heap_used"] for x in s), last["heap_used"],
           last["heap_bytes"], last["heap_allocs"], first["free_pages"], last["free_pages"], extra,
           "flat" if ok else "GROWING", why.replace(" ", "_").replace(",", "")))
    return 0 if ok else 1


def fscrash_size(n):
    return ((n * 20011) & 0xFFFFFFFF) % 120000


def fscrash_bytes(n):
    size = fscrash_size(n)
    return bytes(((n * 37 + o * 7 + (o >> 9) * 131) & 0xFF) for o in range(size))


def disk(keelfs, image, d, slots, last):
    """Slot (last + 1) mod slots may hold a file cut short by the kill
    (truncated and partly rewritten when the VM stopped): it is not
    judged. Every other slot holds its latest file n <= last."""
    if last < 0:
        print("files=0 bytes=0 written=0 verdict=no_files")
        return 1
    written = sum(fscrash_size(n) for n in range(last + 1))
    files = bad = nbytes = 0
    inflight = (last + 1) % slots
    for slot in range(slots):
        if slot == inflight or slot > last:
            continue
        n = latest_in_slot(slot, slots, last)
        p = subprocess.run([keelfs, "cat", image, "%s/f%05d" % (d, slot)], capture_output=True)
        want = fscrash_bytes(n)
        if p.returncode != 0 or p.stdout != want:
            bad += 1
            print("%s/f%05d: want file %d (%d bytes), got %s" % (d, slot, n, len(want),
                  "%d bytes" % len(p.stdout) if p.returncode == 0 else p.stderr.decode().strip()), file=sys.stderr)
        files += 1
        nbytes += len(want)
    print("files=%d bytes=%d written=%d bad=%d" % (files, nbytes, written, bad))
    return 0 if bad == 0 else 1


def latest_in_slot(slot, slots, last):
    """The last file n <= last that fsync-cycle wrote to slot."""
    return last - ((last - slot) % slots)


def selftest():
    import tempfile
    flat = [{"heap_used": 1000 + (i % 3) * 10} for i in range(40)]
    assert heap_verdict(flat, 0.25, 10, 0)[0], "a flat heap passes"
    # Growing by 1% of the start per report: +30% over the judged part.
    grow = [{"heap_used": 100000 + i * 1000} for i in range(40)]
    assert not heap_verdict(grow, 0.25, 10, 0)[0], "a growing heap fails"
    assert heap_verdict(grow, 0.25, 10, 100000)[0], "the byte margin counts"
    # Growth during the warm-up only is not judged.
    warm = [{"heap_used": i * 1000} for i in range(10)] + [{"heap_used": 10000}] * 30
    assert heap_verdict(warm, 0.25, 0, 0)[0], "the warm-up is not judged"
    assert not heap_verdict(flat[:4], 0.25, 10, 0)[0], "too few reports fail"
    # A report caught in a brief peak, late in the run, is no growth.
    peak = [dict(x) for x in flat]
    peak[-2]["heap_used"] = 10 * 1000
    assert heap_verdict(peak, 0.25, 10, 0)[0], "a transient peak is not a leak"
    # Peaks in most of the last quarter's reports, the floor unchanged
    # (a disk guest that holds a commit's staging buffer most of the time).
    busy = [dict(x) for x in flat]
    for x in busy[-8:-1]:
        x["heap_used"] += 1 << 20
    assert heap_verdict(busy, 0.25, 10, 0)[0], "a heap busy at its peaks keeps its floor"
    # A heap that grows only by KeelFS's cache is flat outside it.
    cache = [{"heap_used": 100000 + i * 10 * KFS_CACHE_BLOCK_HEAP, "kfs_cache_blocks": i * 10} for i in range(40)]
    assert heap_verdict(cache, 0.25, 10, 0)[0], "the fs cache's growth is not a leak"
    for x in cache[-8:]:
        x["heap_used"] += 50000
    assert not heap_verdict(cache, 0.25, 10, 0)[0], "growth beside the fs cache is"
    # The file-data cache fills free pages, not the heap: its growth
    # neither passes nor fails the heap.
    data = [{"heap_used": 100000, "kfs_cache_blocks": 5, "kfs_data_blocks": i * 500} for i in range(40)]
    assert heap_verdict(data, 0.25, 10, 0)[0], "the data cache's growth is not a leak"
    for x in data[-8:]:
        x["heap_used"] += 50000
    assert not heap_verdict(data, 0.25, 10, 0)[0], "nor does it hide the heap's"
    with tempfile.NamedTemporaryFile("wb", delete=False) as f:
        f.write(b"boot\r\nkeel: mem t=1.021 heap_used=20224 heap_bytes=262144 heap_allocs=35 free_pages=29879 lent=0 tcp=2\r\n"
                b"synced 1\nnoise keel: mem t=2.5 heap_used=7 heap_bytes=8 heap_allocs=1 free_pages=2\n"
                b"keel: mem t=3.000 heap_used=9000 heap_bytes=65536 heap_allocs=9 free_pages=100 kfs_cache_blocks=12 "
                b"kfs_data_blocks=3400\n")
    got = samples(f.name)
    os.unlink(f.name)
    assert [x["heap_used"] for x in got] == [20224, 7, 9000], got
    assert got[0]["tcp"] == 2 and got[1]["t"] == 2.5, got
    assert got[2]["kfs_data_blocks"] == 3400 and heap_outside_caches(got[2]) == 9000 - 12 * KFS_CACHE_BLOCK_HEAP, got
    assert latest_in_slot(0, 64, 21183) == 21120
    assert latest_in_slot(63, 64, 21183) == 21183
    assert latest_in_slot(5, 64, 5) == 5
    assert fscrash_size(214633) == ((214633 * 20011) % (1 << 32)) % 120000, "sizes wrap as the guest's unsigned do"
    print("soak.py selftest: ok")
    return 0


def main(argv):
    if len(argv) == 6 and argv[1] == "stream":
        return stream(argv[2], int(argv[3]), float(argv[4]), argv[5])
    if len(argv) == 2 and argv[1] == "selftest":
        return selftest()
    if len(argv) == 5 and argv[1] == "put":
        return put(argv[2], float(argv[3]), argv[4])
    if len(argv) == 6 and argv[1] == "heap":
        return heap(argv[2], float(argv[3]), float(argv[4]), float(argv[5]))
    if len(argv) == 7 and argv[1] == "disk":
        return disk(argv[2], argv[3], argv[4], int(argv[5]), int(argv[6]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
