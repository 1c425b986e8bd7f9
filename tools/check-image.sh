#!/bin/sh
# Checks what the loaders need of a Keel image: a multiboot2 header GRUB
# accepts (grub-file) and the PVH entry note QEMU's -kernel looks for.
set -eu
img=$1
if command -v grub-file >/dev/null 2>&1; then
	grub-file --is-x86-multiboot2 "$img" || { echo "error: $img has no valid multiboot2 header" >&2; exit 1; }
	if grub-file --is-x86-multiboot "$img"; then
		echo "error: $img carries a multiboot1 header: QEMU -kernel would refuse it" >&2
		exit 1
	fi
fi
readelf -n "$img" | grep -q 'Xen.*0x00000012' || { echo "error: $img has no PVH entry note" >&2; exit 1; }
