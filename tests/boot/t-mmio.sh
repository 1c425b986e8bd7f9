#!/usr/bin/env bash
# A device over virtio-mmio on QEMU's microvm, which has no PCI:
#
#   t-mmio.sh KIND VERSION DISCOVERY
#
# KIND: rng (ktest reads 256 KiB of random bytes), console (ktest's output
# on a virtconsole of a virtio-serial-device), blk (KeelFS at the root:
# mtest reads a tree the host made, with the host's SHA-256, and copies
# it; the host reads the copy back from the image), net (apps/echo on the
# user network echoes a stream through hostfwd), scsi (KeelFS at the root
# on a scsi-hd behind virtio-scsi: mtest's file system calls), balloon
# (the host inflates the balloon to its target through QMP while mtest
# waits). VERSION: legacy (QEMU's
# default, version 1) or modern (version 2). DISCOVERY: cmdline (acpi=off:
# QEMU appends virtio_mmio.device= to the command line) or acpi (the
# DSDT's LNRO0005 devices; QEMU then appends nothing).
#
# The kernel must have found the device the way asked, at the version
# asked, and its driver must have attached over the MMIO transport.
set -u
cd "$(dirname "$0")/../.."
if [ "$1" = net ] && [ -z "${KEEL_SOCK_NETNS:-}" ] && unshare -n true 2>/dev/null; then
	# A network namespace of its own: its ports cannot clash with
	# another test's (tests/boot/t-sock-echo.sh says more).
	exec unshare -n env KEEL_SOCK_NETNS=1 "$0" "$@"
fi
[ -n "${KEEL_SOCK_NETNS:-}" ] && { ip link set lo up || exit 1; }
source tests/boot/lib.sh
kind=$1 version=$2 discovery=$3

case $version in
legacy) legacy=true want_iface='mmio v1 \(legacy\)' want_version=1 ;;
modern) legacy=false want_iface='mmio v2' want_version=2 ;;
*) fail "VERSION is legacy or modern" ;;
esac
case $discovery in
cmdline) acpi=off source_name='command line' ;;
acpi) acpi=on source_name=ACPI ;;
*) fail "DISCOVERY is cmdline or acpi" ;;
esac
machine=(--machine microvm --accel tcg --serial-log "$tmp/serial.log")
qemu=(-M "microvm,acpi=$acpi" -global "virtio-mmio.force-legacy=$legacy")

# The device found as asked, its driver attached over MMIO.
check_found() { # TYPE-NAME DRIVER-NAME
	local log=$tmp/serial.log
	tr -d '\r' <"$log" | grep -Eq "^virtio-mmio: mmio@0x[0-9a-f]+ GSI [0-9]+ (edge|level): virtio $1 \(type [0-9]+\), version $want_version, .*\($source_name\)$" ||
		{ tr -d '\r' <"$log" | grep -i virtio; fail "the $1 device was not listed as found from the $source_name at version $want_version"; }
	tr -d '\r' <"$log" | grep -Eq "^$2: mmio@0x[0-9a-f]+, $want_iface interface, GSI [0-9]+ \((edge|level)\)" ||
		{ tr -d '\r' <"$log" | grep -i virtio; fail "$2 did not attach over the $version MMIO interface"; }
	if [ $acpi = on ]; then
		grep -aq 'virtio_mmio.device=' "$log" && fail "QEMU appended devices to the command line although ACPI is on"
	else
		grep -aq 'virtio_mmio.device=' "$log" || fail "QEMU did not append the device to the command line"
		grep -aq "unknown kernel option 'virtio_mmio" "$log" && fail "the kernel did not take virtio_mmio.device="
	fi
	return 0
}

case $kind in
rng)
	./run-qemu.sh --kernel "$KTEST" "${machine[@]}" --timeout 60 --append "rng 262144" \
		-- "${qemu[@]}" -device virtio-rng-device </dev/null >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] || { tail -20 "$tmp/out"; fail "exit status $rc"; }
	check_found rng virtio-rng0
	grep -aEq 'ktest: read 262144 random bytes .*: ok' "$tmp/out" || fail "the random bytes did not come"
	echo "PASS: 256 KiB of random bytes over virtio-mmio $version ($discovery)"
	;;
console)
	./run-qemu.sh --kernel "$KTEST" "${machine[@]}" --timeout 60 --append "args one two" \
		-- "${qemu[@]}" -device virtio-serial-device -chardev "file,id=vc,path=$tmp/virtconsole.out" \
		-device virtconsole,chardev=vc </dev/null >"$tmp/out" 2>&1
	rc=$?
	[ $rc = 0 ] || { tail -20 "$tmp/out"; fail "exit status $rc"; }
	check_found console virtio-console0
	grep -q 'ktest: arg 2 \[two\]' "$tmp/virtconsole.out" || { cat "$tmp/virtconsole.out"; fail "the virtconsole lacks the output"; }
	grep -q 'keel: PVH boot' "$tmp/virtconsole.out" || fail "the virtconsole lacks the boot log"
	echo "PASS: the console on a virtconsole over virtio-mmio $version ($discovery)"
	;;
blk)
	KEELFS=build/keelfs
	[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
	src=$tmp/root/in
	mkdir -p "$src/a/b"
	printf x >"$src/one"
	for n in 4095 4096 4097 70000; do
		head -c $n /dev/urandom >"$src/a/size-$n"
	done
	head -c 1000000 /dev/urandom >"$src/a/b/big"
	$KEELFS mkfs "$tmp/img" 16M "$tmp/root" >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
	./run-qemu.sh --kernel build/mtest.elf "${machine[@]}" --timeout 200 --disk "$tmp/img" \
		--append "root=vda -- tree /in /out" -- "${qemu[@]}" </dev/null >"$tmp/out" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/out" | grep -q '^fs: KeelFS on vda at /$' || { tail -20 "$tmp/out"; fail "the root is not KeelFS on vda"; }
	check_found blk virtio-blk0
	grep -q 'mtest: tree done, 0 failures' "$tmp/out" && [ $rc = 0 ] || { tr -d '\r' <"$tmp/out" | tail -30; fail "mtest tree failed (exit status $rc)"; }
	(cd "$tmp/root" && find in -type f | sort | while read -r f; do
		echo "sha256 $(sha256sum "$f" | cut -d' ' -f1) /$f"
	done) | sort >"$tmp/want-sums"
	tr -d '\r' <"$tmp/out" | grep '^sha256 ' | sort >"$tmp/got-sums"
	diff -u "$tmp/want-sums" "$tmp/got-sums" || fail "the guest read other bytes than the host wrote"
	n=0
	while read -r f; do
		$KEELFS get "$tmp/img" "/out/${f#in/}" "$tmp/back" >/dev/null 2>&1 || fail "keelfs get /out/${f#in/}"
		cmp "$tmp/back" "$tmp/root/$f" || fail "/out/${f#in/} differs from what the guest read"
		n=$((n + 1))
	done < <(cd "$tmp/root" && find in -type f)
	$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
	echo "PASS: KeelFS over virtio-mmio $version ($discovery): $n files read and copied back, image clean"
	;;
net)
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	./run-qemu.sh --kernel build/echo.elf "${machine[@]}" --timeout 200 --append 7 \
		--net "user,hostfwd=tcp:127.0.0.1:$port-:7" -- "${qemu[@]}" </dev/null >"$tmp/out" 2>&1 &
	stop_qemu() {
		local pid
		pid=$(qemu_pid_with "$tmp/serial.log")
		[ -n "$pid" ] && kill "$pid" 2>/dev/null
		wait
	}
	if ! wait_for_line "$tmp/out" '^echo: ready' 90; then
		stop_qemu
		tr -d '\r' <"$tmp/out" | tail -30
		fail "the echo server did not start"
	fi
	rc=0
	timeout 60 python3 tests/boot/sockclient.py wait "$port" 40 >"$tmp/client" 2>&1 &&
		timeout 120 python3 tests/boot/sockclient.py stream "$port" 4 >>"$tmp/client" 2>&1 || rc=1
	stop_qemu
	cat "$tmp/client"
	[ $rc = 0 ] || { tr -d '\r' <"$tmp/out" | tail -30; fail "the echo did not come back"; }
	check_found net virtio-net0
	grep -aq 'panic' "$tmp/out" && fail "the kernel panicked"
	echo "PASS: TCP echo over virtio-mmio $version ($discovery): $(tail -1 "$tmp/client")"
	;;
scsi)
	KEELFS=build/keelfs
	[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
	$KEELFS mkfs "$tmp/img" 64M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
	./run-qemu.sh --kernel build/mtest.elf "${machine[@]}" --timeout 250 --append "root=sda -- files" \
		-- "${qemu[@]}" -device virtio-scsi-device,id=s0 -drive "file=$tmp/img,if=none,id=d0,format=raw" \
		-device scsi-hd,drive=d0,bus=s0.0 </dev/null >"$tmp/out" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/out" | grep -q '^fs: KeelFS on sda at /$' || { tail -20 "$tmp/out"; fail "the root is not KeelFS on sda"; }
	check_found scsi virtio-scsi0
	grep -q 'mtest: files done, 0 failures' "$tmp/out" && [ $rc = 0 ] || { tr -d '\r' <"$tmp/out" | tail -30; fail "mtest files failed (exit status $rc)"; }
	$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
	echo "PASS: KeelFS on virtio-scsi over virtio-mmio $version ($discovery), image clean"
	;;
balloon)
	# 256 MiB, 64 of them left to the guest: the balloon takes 192, then
	# mtest's allocations take them back (deflate-on-oom).
	./run-qemu.sh --kernel build/mtest.elf "${machine[@]}" --mem 256M --timeout 280 --qmp "$tmp/qmp" \
		--append "balloon-oom 60 64" -- "${qemu[@]}" -device virtio-balloon-device,id=balloon0,deflate-on-oom=on \
		</dev/null >"$tmp/out" 2>&1 &
	qemu_job=$!
	wait_for_line "$tmp/out" 'mtest: balloon-oom: waiting' 120 || { tail -20 "$tmp/out"; fail "mtest did not start"; }
	timeout 200 python3 tests/boot/balloon_drive.py "$tmp/qmp" target 64 180 ||
		{ tail -20 "$tmp/out"; fail "the balloon did not reach 192 MiB"; }
	wait $qemu_job
	rc=$?
	check_found balloon virtio-balloon0
	grep -q 'virtio-balloon0: at the target, 49152 pages (192 MiB)' "$tmp/out" || fail "the balloon did not reach its target"
	grep -q 'mtest: balloon-oom ok' "$tmp/out" && [ $rc = 0 ] || { tr -d '\r' <"$tmp/out" | tail -20; fail "the allocations did not all succeed (exit status $rc)"; }
	echo "PASS: virtio-balloon over virtio-mmio $version ($discovery): inflated to 192 MiB and taken back"
	;;
*) fail "KIND is rng, console, blk, net, scsi or balloon" ;;
esac
