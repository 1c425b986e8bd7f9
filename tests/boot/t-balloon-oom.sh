#!/usr/bin/env bash
# virtio-balloon with deflate-on-oom: the host takes 192 of the guest's
# 256 MiB into the balloon, and an application then allocates (and writes)
# all the free memory and 64 MiB more. Its allocations succeed: the page
# allocator takes pages back from the balloon, the device told first,
# before it would fail them. Without deflate-on-oom (the second argument
# "off") the same allocations must fail instead, and the balloon keep its
# pages.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
oom=${1:-on}
./run-qemu.sh --kernel build/mtest.elf --accel tcg --mem 256M --timeout 300 --qmp "$tmp/qmp" \
	--device "virtio-balloon-pci,id=balloon0,deflate-on-oom=$oom" --append "balloon-oom 60 64" \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
wait_for_line "$tmp/out" 'mtest: balloon-oom: waiting' 120 || { cat "$tmp/out"; fail "mtest did not start"; }
timeout 200 python3 tests/boot/balloon_drive.py "$tmp/qmp" target 64 180 ||
	{ cat "$tmp/out"; fail "the balloon did not reach 192 MiB"; }
wait $qemu
rc=$?
tr -d '\r' <"$tmp/out"
grep -q "virtio-balloon0: .*deflate on OOM $oom" "$tmp/out" || fail "deflate on OOM is not $oom"
grep -q 'virtio-balloon0: at the target, 49152 pages (192 MiB)' "$tmp/out" || fail "the balloon did not reach its target"
grep -Eq 'device fault|request failed|stops with' "$tmp/out" && fail "the device or the balloon failed"
if [ "$oom" = on ]; then
	[ $rc = 0 ] || fail "exit status $rc"
	grep -q 'mtest: balloon-oom ok' "$tmp/out" || fail "the allocations did not all succeed"
	grep -Eq 'virtio-balloon0: [0-9]+ MiB given back so far to allocations' "$tmp/out" ||
		fail "the balloon did not say it gave pages back"
	# keel_meminfo's balloon_bytes: what the balloon held, less what it
	# gave, which is about the 64 MiB asked past the free memory (not
	# more: the runs it gives back join, and allocations use them whole).
	read -r before after < <(tr -d '\r' <"$tmp/out" |
		sed -n 's/^mtest: balloon-oom: balloon \([0-9]*\) MiB before, \([0-9]*\) MiB after$/\1 \2/p')
	[ -n "${after:-}" ] && [ "$before" -ge 180 ] && [ "$after" -lt $((before - 64)) ] &&
		[ "$after" -ge $((before - 72)) ] ||
		fail "keel_meminfo's balloon went from ${before:-?} to ${after:-?} MiB"
else
	[ $rc = 1 ] || fail "exit status $rc (1 expected: allocations fail)"
	grep -q 'mtest: balloon-oom FAILED' "$tmp/out" || fail "mtest did not report the failed allocations"
	grep -q 'given back so far' "$tmp/out" && fail "the balloon gave pages back without deflate-on-oom"
	grep -Eq 'mtest: balloon-oom: balloon (1[89][0-9]) MiB before, \1 MiB after' "$tmp/out" ||
		fail "the balloon changed without deflate-on-oom"
fi
echo PASS
