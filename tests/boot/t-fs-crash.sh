#!/usr/bin/env bash
# KeelFS when the VM dies in the middle of writing: mtest fsync-loop
# (tests/apps/mtest/fscrash.c) creates files one after another, each
# fsynced with its directory before the guest prints "synced N"; the host
# kills QEMU with SIGKILL at a random point after some files were
# reported. Then `keelfs fsck` must find the image clean, every file the
# guest reported must be there with its size and bytes (read by the host
# tool), and a second boot must mount the image and read them back too.
# The same image takes KILLS such kills (default 3), each adding files to
# a new directory, so later rounds also start from a crashed image.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
kills=${1:-3}
img=$tmp/img
$KEELFS mkfs "$img" 256M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }

# Checks files 0 .. $2-1 of directory $1 with the host tool: the sizes and
# bytes of fscrash.c's fscrash_size() and fscrash_byte().
host_check() {
	python3 - "$KEELFS" "$img" "$1" "$2" <<'PY'
import subprocess, sys
keelfs, img, d, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for n in range(count):
    size = (n * 20011) % 120000
    want = bytes(((n * 37 + o * 7 + (o >> 9) * 131) & 0xff) for o in range(size))
    p = subprocess.run([keelfs, 'cat', img, '%s/f%05d' % (d, n)], capture_output=True)
    if p.returncode != 0:
        sys.exit('%s/f%05d: keelfs cat failed: %s' % (d, n, p.stderr.decode().strip()))
    if p.stdout != want:
        sys.exit('%s/f%05d: %d bytes, want %d' % (d, n, len(p.stdout), size))
print('%s: %d files whole' % (d, count))
PY
}

for round in $(seq 1 "$kills"); do
	# Somewhere between 10 and 200 files reported, then up to 0.3 s more.
	at=$((10 + RANDOM % 190))
	delay=0.$((RANDOM % 4))
	out=$tmp/out$round
	./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 300 --disk "$img" \
		--append "root=vda -- fsync-loop /r$round" </dev/null >"$out" 2>&1 &
	job=$!
	wait_for_line "$out" "^synced $at\b" 240 || {
		tr -d '\r' <"$out" | tail -20
		fail "round $round: the guest did not report $at files"
	}
	sleep "$delay"
	pid=$(qemu_pid_with "$img")
	[ -n "$pid" ] || fail "round $round: QEMU is gone before the kill"
	kill -KILL "$pid"
	wait $job
	# The last whole line: a line cut short by the kill is not a report.
	last=$(tr -d '\r' <"$out" | sed -n 's/^synced \([0-9][0-9]*\)$/\1/p' | tail -1)
	grep -q 'mtest: fsync-loop' "$out" && { tr -d '\r' <"$out" | tail -5; fail "round $round: fsync-loop stopped"; }
	count=$((last + 1))
	echo "round $round: killed after $count files were reported (aimed at $((at + 1)) + ${delay}s)"
	$KEELFS fsck "$img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "round $round: fsck found problems"; }
	for r in $(seq 1 "$round"); do
		host_check /r$r "$(cat "$tmp/count$r" 2>/dev/null || echo $count)" ||
			fail "round $round: the host tool did not find /r$r whole"
	done
	echo $count >"$tmp/count$round"
done

# A boot reads every round's files back.
for r in $(seq 1 "$kills"); do
	./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 300 --disk "$img" \
		--append "root=vda -- fsync-verify /r$r $(cat "$tmp/count$r")" </dev/null >"$tmp/verify$r" 2>&1 ||
		{ tr -d '\r' <"$tmp/verify$r" | tail -20; fail "the guest did not read /r$r back whole"; }
	tr -d '\r' <"$tmp/verify$r" | grep '^mtest: fsync-verify'
done
$KEELFS fsck "$img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems after the reads"; }
echo "PASS: $kills kills in the middle of fsync-loop, every reported file whole for the host and the guest, image clean"
