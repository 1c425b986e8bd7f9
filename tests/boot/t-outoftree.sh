#!/usr/bin/env bash
# An application from outside the tree, built by tools/keel-build as a
# user would: tests/outoftree (two C files and a disk folder) copied into
# a temporary folder, built from there, and booted as the PVH ELF and as
# the ISO (under BIOS, and for the sources under UEFI too) with the disk
# the command made. The program reads a file of its disk and exits with
# the number of words in it (8).
#
#   t-outoftree.sh sources     the C files given to the command
#   t-outoftree.sh prebuilt    objects and a static library compiled with
#                              musl-gcc first, given to the command, with
#                              the system calls it never makes left out
#   t-outoftree.sh errors      a missing file, an unknown driver and a
#                              source that does not compile, each refused
#                              with its message and status
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
top=$PWD
mode=${1:-sources}
name=oot-$mode

cp -r tests/outoftree "$tmp/app"
cd "$tmp/app" || fail "no copy of the application"
want_text='outoftree: /data/greeting: hello from a disk made outside the tree'

# Boots what the command made, PVH then ISO (whose command line it baked
# in); each must read the file and exit with its word count.
boot_both() {
	"$top/run-qemu.sh" --kernel "$tmp/out/$name.elf" --disk "$tmp/out/$name.img" --accel tcg --timeout 60 \
		--append "-- /data/greeting" >"$tmp/pvh.log" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/pvh.log" | grep -q "^$want_text$" || { tail -20 "$tmp/pvh.log"; fail "PVH: the file was not read"; }
	[ $rc = 8 ] || fail "PVH: exit status $rc, not 8"
	"$top/run-qemu.sh" --iso "$tmp/out/$name.iso" --disk "$tmp/out/$name.img" --accel tcg --timeout 60 \
		>"$tmp/iso.log" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/iso.log" | grep -q "^$want_text$" || { tail -20 "$tmp/iso.log"; fail "ISO: the file was not read"; }
	[ $rc = 8 ] || fail "ISO: exit status $rc, not 8"
	grep -q "<kernel>$tmp/out/$name.elf</kernel>" "$tmp/out/$name.xml" || fail "the libvirt domain does not name the ELF"
	grep -q "<source file='$tmp/out/$name.img'/>" "$tmp/out/$name.xml" || fail "the libvirt domain does not name the disk"
}

case $mode in
sources)
	"$top/tools/keel-build" -o "$tmp/out" --name "$name" --drivers virtio-blk --cmdline "-- /data/greeting" \
		--disk-dir disk main.c words.c >"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; fail "keel-build failed"; }
	boot_both
	# The same ISO under UEFI firmware.
	"$top/run-qemu.sh" --iso "$tmp/out/$name.iso" --uefi --disk "$tmp/out/$name.img" --accel tcg --timeout 120 \
		>"$tmp/uefi.log" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/uefi.log" | grep -q "^$want_text$" || { tail -20 "$tmp/uefi.log"; fail "UEFI: the file was not read"; }
	[ $rc = 8 ] || fail "UEFI: exit status $rc, not 8"
	echo "PASS: built from sources outside the tree; PVH, and the ISO under BIOS and UEFI, read the disk and exited 8"
	;;
prebuilt)
	musl-gcc -O2 -c main.c -o main.o && musl-gcc -O2 -c words.c -o words.o && ar rcs libwords.a words.o ||
		fail "musl-gcc could not build the objects"
	"$top/tools/keel-build" -o "$tmp/out" --name "$name" --drivers virtio-blk --cmdline "-- /data/greeting" \
		--syscalls-out "sys/poll.c sys/epoll.c sys/ptimer.c sys/itimer.c" --disk-dir disk main.o libwords.a >"$tmp/build.log" 2>&1 || { tail -30 "$tmp/build.log"; fail "keel-build failed"; }
	boot_both
	echo "PASS: built from musl-gcc objects and a library; PVH and ISO read the disk and exited 8"
	;;
errors)
	# expect STATUS MESSAGE ARGS...: keel-build must fail so, saying so.
	expect() {
		local want=$1 msg=$2
		shift 2
		"$top/tools/keel-build" -o "$tmp/bad-out" "$@" >"$tmp/err.log" 2>&1
		local rc=$?
		[ $rc = "$want" ] || { cat "$tmp/err.log"; fail "keel-build $*: status $rc, not $want"; }
		grep -q -- "$msg" "$tmp/err.log" || { cat "$tmp/err.log"; fail "keel-build $*: no '$msg'"; }
	}
	expect 2 "no such file: missing.c" --name "$name" main.c missing.c
	expect 2 "unknown driver 'virtio-nothing' (known: " --name "$name" --drivers "virtio-blk,virtio-nothing" main.c words.c
	expect 2 "no such folder for the disk" --name "$name" --disk-dir nodisk main.c words.c
	expect 2 "the name 'hello' is taken by apps/hello" --name hello main.c words.c
	expect 2 "not a C source" --name "$name" disk/data/greeting
	expect 2 "'sys/nothing.c' is not a file of sys/" --name "$name" --syscalls-out sys/nothing.c main.c words.c
	[ -e "$tmp/bad-out" ] && fail "a refused build made its output folder"
	echo 'int main(void) { return not_declared; }' >broken.c
	expect 1 "error: .not_declared. undeclared" --name "$name" broken.c
	grep -q "the build of $name failed" "$tmp/err.log" || fail "no summary of the failed build"
	echo "PASS: a missing file, an unknown driver, a missing folder, a taken name, a foreign file and a broken source refused"
	;;
*) fail "unknown mode $mode" ;;
esac
