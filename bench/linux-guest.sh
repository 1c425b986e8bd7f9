#!/usr/bin/env bash
# The Linux guest every benchmark compares Keel with: Debian's kernel
# (linux-image-amd64) booting an initramfs of busybox-static, the kernel
# modules asked for (with their dependencies, loaded in order), the
# programs under test built for Linux, and an init script. The init script
# is the benchmark's; it ends the VM through isa-debug-exit with its
# status, as a Keel image does, so both are timed and read the same way.
#
# Sourced by the benchmarks:
#   linux_guest_kernel                     prints the kernel image's path
#   linux_guest_initramfs OUT INIT [--modules "m1 m2"] [SRC=DST ...]
#                                          writes a gzip'd cpio archive to OUT
#   In INIT, "keel_exit N" ends the VM with status N.
#   linux_guest_net_init ADDRESS/PREFIX [GATEWAY]
#                                          prints INIT lines that bring up
#                                          the loopback and eth0 (virtio-net:
#                                          give --modules "virtio_pci virtio_net")
#
# Run directly, it builds a guest that prints its uname and exits 0, and
# boots it: bench/linux-guest.sh selftest. "selftest-net" boots one with
# virtio-net on QEMU's user network that fetches a page from the host
# through it.
set -euo pipefail

linux_guest_kernel() {
	local k
	k=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
	[ -n "$k" ] || {
		echo "linux-guest: no /boot/vmlinuz-*: install linux-image-amd64" >&2
		return 1
	}
	echo "$k"
}

linux_guest_initramfs() {
	local out=$1 init=$2
	shift 2
	local modules=""
	if [ "${1:-}" = --modules ]; then
		modules=$2
		shift 2
	fi
	local root
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,mnt,lib/modules}
	cp /bin/busybox "$root/bin/busybox"
	for a in $("$root/bin/busybox" --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	local kver
	kver=$(basename "$(linux_guest_kernel)")
	kver=${kver#vmlinuz-}
	: >"$root/lib/modules/order"
	local m f
	for m in $modules; do
		# modprobe prints the dependencies first, as "insmod PATH".
		while read -r _ f _; do
			[ -n "$f" ] || continue
			[ -e "$root/lib/modules/$(basename "$f")" ] && continue
			case $f in
			*.xz) xz -dc "$f" >"$root/lib/modules/$(basename "$f" .xz)" ;;
			*) cp "$f" "$root/lib/modules/" ;;
			esac
			basename "${f%.xz}" >>"$root/lib/modules/order"
		done < <(modprobe -S "$kver" --show-depends "$m" | grep '^insmod')
	done
	local pair
	for pair in "$@"; do
		mkdir -p "$root/$(dirname "${pair#*=}")"
		cp -a "${pair%%=*}" "$root/${pair#*=}"
	done
	{
		cat <<'INIT'
#!/bin/sh
mount -t devtmpfs dev /dev
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m || echo "linux-guest: insmod $m failed"; done
# The VM's exit status, through QEMU's isa-debug-exit port (0xf4).
keel_exit() {
	printf "$(printf '\\%03o' "$1")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
	poweroff -f
}
INIT
		cat "$init"
		echo 'keel_exit 0'
	} >"$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$root"
}

linux_guest_net_init() {
	local addr=$1 gw=${2:-}
	echo "ip link set lo up"
	echo "ip addr add $addr dev eth0 && ip link set eth0 up || echo 'linux-guest: no eth0'"
	[ -n "$gw" ] && echo "ip route add default via $gw"
	return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case ${1:-} in
	selftest | selftest-net) ;;
	*)
		echo "usage: bench/linux-guest.sh selftest|selftest-net (or source it)" >&2
		exit 2
		;;
	esac
	cd "$(dirname "$0")/.."
	mkdir -p build/bench
	if [ "$1" = selftest-net ]; then
		# QEMU's user network: the guest is 10.0.2.15, the host 10.0.2.2.
		mkdir -p build/bench/www
		echo "linux-guest: page from the host" >build/bench/www/index.html
		python3 -m http.server 18080 --bind 127.0.0.1 --directory build/bench/www >/dev/null 2>&1 &
		http=$!
		trap 'kill $http 2>/dev/null' EXIT
		{
			linux_guest_net_init 10.0.2.15/24 10.0.2.2
			echo 'wget -q -O - http://10.0.2.2:18080/index.html'
			echo 'keel_exit 7'
		} >build/bench/selftest-net.init
		linux_guest_initramfs build/bench/selftest-net.cpio.gz build/bench/selftest-net.init --modules "virtio_pci virtio_net"
		set +e
		qemu-system-x86_64 -accel tcg -M q35 -m 256M -nodefaults -no-user-config -display none -no-reboot \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio \
			-netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
			-kernel "$(linux_guest_kernel)" -initrd build/bench/selftest-net.cpio.gz \
			-append "console=ttyS0 quiet panic=-1" </dev/null | tr -d '\r' | tee build/bench/selftest-net.log |
			grep -E 'linux-guest|insmod'
		rc=${PIPESTATUS[0]}
		echo "qemu exit $rc (want $(((7 << 1) | 1)))"
		[ "$rc" = $(((7 << 1) | 1)) ] && grep -q 'page from the host' build/bench/selftest-net.log
		exit
	fi
	printf 'uname -sr\necho linux-guest: up\nkeel_exit 7\n' >build/bench/selftest.init
	linux_guest_initramfs build/bench/selftest.cpio.gz build/bench/selftest.init --modules "virtio_net virtio_blk"
	t0=$(date +%s%N)
	set +e
	qemu-system-x86_64 -accel tcg -M q35 -m 256M -nodefaults -no-user-config -display none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio \
		-kernel "$(linux_guest_kernel)" -initrd build/bench/selftest.cpio.gz \
		-append "console=ttyS0 quiet panic=-1" </dev/null | tr -d '\r' | grep -E 'linux-guest|Linux|insmod'
	rc=${PIPESTATUS[0]}
	t1=$(date +%s%N)
	echo "qemu exit $rc (want $(((7 << 1) | 1))), $(((t1 - t0) / 1000000)) ms"
	[ "$rc" = $(((7 << 1) | 1)) ]
fi
