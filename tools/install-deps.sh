#!/bin/sh
# Installs the Debian packages Keel needs, if any are missing.
#
#   tools/install-deps.sh build   what `make run` needs: compiler, GRUB, QEMU
#   tools/install-deps.sh test    what `make test` needs besides
#
# As root it runs apt-get; otherwise through sudo when that needs no
# password; otherwise it prints the command to run and fails.
set -eu

build_pkgs="gcc make binutils musl-dev musl-tools grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools qemu-system-x86"
test_pkgs="ovmf libcmocka-dev clang libclang-rt-dev clang-format tcl dpkg-dev python3 iproute2 util-linux procps redis-tools iperf3 iperf curl wrk gdb libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients nftables"

case ${1:-build} in
build) want=$build_pkgs ;;
test) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $status in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

echo "keel: installing missing packages:$missing"
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	sh -c "$cmd"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo sh -c "$cmd"
else
	echo "keel: these Debian packages are missing:$missing" >&2
	echo "keel: install them as root, then run make again:" >&2
	echo "  sudo sh -c '$cmd'" >&2
	exit 1
fi
