#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/):
# a few small hand-made inputs that take each target down its main paths,
# from which libFuzzer starts. Run it again after changing an input format.
set -eu
cd "$(dirname "$0")"

# --- fuzz_used_ring ---------------------------------------------------------------
# Byte 0: the queue (size 1 << ((b & 15) % 9), 0x10 event indexes, 0x20
# indirect, 0x40 two bytes of start index follow). Then operations (fuzz_used_ring.c): 00 enqueue SHAPE LEN WHICH,
# 01 device uses available entry K LEN32, 02 device writes SEL [ID32] LEN32,
# 03 publish, 04 used idx = IDX16, 05 dequeue N, 06 enable_intr,
# 07 disable_intr, 08 kick_prepare, 09 avail_event EV16 used flags F,
# 0a scribble over the ring AT16 N V, 0b over the indirect tables AT16 N V,
# 0c device completes outstanding request K HOW [LEN32].
d=corpus/fuzz_used_ring
rm -rf "$d"
mkdir -p "$d"
# Size 8: a readable and a writable request, completed, dequeued.
printf '\x03\x00\x01\x04\x00\x00\x08\x08\x01\x08\x0c\x00\x00\x0c\x01\x00\x05\x01\x06' >"$d/round-trip"
# Size 32, event indexes and indirect: tables of 5, 18 and 31, a chain of 46
# too long for the queue; interrupts off while the device completes, one
# length a lie.
printf '\x35\x00\x1a\x02\x00\x00\x42\x03\x01\x00\x81\x04\x02\x00\xc0\x05\x03\x09\x00\x00\x00\x08\x07' >"$d/indirect-event"
printf '\x0c\x00\x00\x0c\x01\xc5\x06\x05\x03\x08' >>"$d/indirect-event"
# Size 4: the used index jumps past the queue; later calls see -EIO.
printf '\x02\x00\x09\x03\x00\x08\x04\x09\x00\x05\x00\x00\x01\x03\x00' >"$d/used-idx-jump"
# Size 16: a chain of 6, then a used element naming its second descriptor.
printf '\x04\x00\x1b\x05\x00\x08\x02\x01\x00\x00\x00\x00\x03\x05\x00' >"$d/id-not-head"
# Size 8, indirect: the device scribbles over the ring and tables, then completes.
printf '\x23\x00\x12\x06\x00\x00\x01\x06\x01\x08\x0a\x00\x00\x1f\x77\x0b\x00\x00\x1f\x11' >"$d/scribble"
printf '\x0c\x00\x00\x0c\x01\x00\x05\x02\x00\x3f\x09\x00' >>"$d/scribble"
# Size 1, event indexes: round trips with the device moving avail_event.
: >"$d/size-one"
printf '\x10' >>"$d/size-one"
for i in 0 1 2 3 4 5 6 7; do
	printf '%b' "\\x09\\x0$i\\x00\\x00\\x00\\x08\\x08\\x01\\x0c\\x00\\x00\\x05\\x00\\x08" >>"$d/size-one"
done

# Size 4, event indexes, starting at index 65530: requests, notifications
# and completions across the wrap of the 16-bit indexes.
printf '\x52\xfa\xff' >"$d/wrap"
for i in 0 1 2 3 4 5; do
	printf '\x00\x08\x02\x00\x00\x01\x03\x01\x09\xff\xff\x00\x08\x0c\x00\x00\x0c\x01\x00\x05\x01' >>"$d/wrap"
done

# --- fuzz_pci_caps ------------------------------------------------------------------
# 256 bytes of configuration space, then six 64-bit little-endian BAR sizes.
d=corpus/fuzz_pci_caps
rm -rf "$d"
mkdir -p "$d"
at() { # FILE OFFSET BYTES
	printf '%b' "$3" | dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}
vcap() { # FILE AT NEXT LEN TYPE BAR OFFSET(8 hex digits, little-endian escaped) LENGTH
	at "$1" "$2" "\x09\\x$3\\x$4\\x$5\\x$6\x00\x00\x00$7$8"
}
qemu() { # FILE: QEMU's layout, the four structures in BAR 4 of 16 KiB
	head -c 304 /dev/zero >"$1"
	at "$1" 0 '\xf4\x1a\x41\x10\x00\x00\x10\x00'
	at "$1" 0x34 '\x84'
	vcap "$1" 0x84 70 14 05 00 '\x00\x00\x00\x00' '\x00\x00\x00\x00'
	vcap "$1" 0x70 98 14 02 04 '\x00\x30\x00\x00' '\x00\x10\x00\x00'
	at "$1" 0x80 '\x04\x00\x00\x00'
	at "$1" 0x98 '\x11\x60\x02\x00\x01\x00\x00\x00\x01\x08\x00\x00'
	vcap "$1" 0x60 50 10 04 04 '\x00\x20\x00\x00' '\x00\x10\x00\x00'
	vcap "$1" 0x50 40 10 03 04 '\x00\x10\x00\x00' '\x00\x10\x00\x00'
	vcap "$1" 0x40 00 10 01 04 '\x00\x00\x00\x00' '\x00\x10\x00\x00'
	at "$1" $((256 + 8)) '\x00\x10'
	at "$1" $((256 + 32)) '\x00\x40'
}
qemu "$d/qemu"
# The common capability loops back to the first.
qemu "$d/loop"
at "$d/loop" 0x41 '\x84'
# A second notify capability, too short, and a region past its BAR's end.
qemu "$d/unusable"
at "$d/unusable" 0x41 '\xec'
vcap "$d/unusable" 0xec 00 13 02 04 '\x00\x38\x00\x00' '\x00\x08\x00\x00'
at "$d/unusable" 0x5c '\x00\x40\x00\x00'
# No capability list at all.
head -c 304 /dev/zero >"$d/empty"

# --- fuzz_scsi --------------------------------------------------------------------
# Byte 0: the parser (0 sense, 1 virtio-scsi response, 2 INQUIRY, 3 READ
# CAPACITY (16), 4 REPORT LUNS, 5 the VPD pages); byte 1 a length or limit
# to claim (fuzz_scsi.c); the rest the device's bytes.
d=corpus/fuzz_scsi
rm -rf "$d"
mkdir -p "$d"
printf '\x00\x00\x70\x00\x03\x00\x00\x00\x00\x0a\x00\x00\x00\x00\x11\x00\x00\x00\x00\x00' >"$d/sense-fixed"
printf '\x00\x00\x72\x06\x29\x00\x00\x00\x00\x00' >"$d/sense-descriptor"
printf '\x01\x20\x12\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x70\x00\x05\x00\x00\x00\x00\x0a\x00\x00\x00\x00\x24\x00' >"$d/resp-check"
printf '\x02\x00\x00\x80\x05\x02\x1f\x00\x00\x00QEMU    QEMU HARDDISK   2.5+' >"$d/inquiry"
printf '\x03\x00\x00\x00\x00\x00\x00\x01\xff\xff\x00\x00\x02\x00\x00\x80\x00\x00' >"$d/capacity"
printf '\x04\x10\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40\x01\x00\x00\x00\x00\x00\x00' >"$d/report-luns"
printf '\x05\xb0\x00\xb0\x00\x3c\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x01' >"$d/block-limits"

# --- fuzz_keelfs ----------------------------------------------------------------------
# Images of 64 blocks from the host tool (make keelfs), as records of
# [block] [length, 16 bits little-endian] [the block without its trailing
# zeros] after a byte of flags (fuzz_keelfs.c).
d=corpus/fuzz_keelfs
rm -rf "$d"
mkdir -p "$d"
keelfs=../../build/keelfs
[ -x "$keelfs" ] || { echo "mkcorpus: build $keelfs first (make keelfs)" >&2; exit 1; }
work=$(mktemp -d)
records() { # FLAGS IMAGE OUT
	python3 - "$1" "$2" "$3" <<'PY'
import struct, sys
flags, image, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
data = open(image, "rb").read()
rec = bytes([flags])
for b in range(len(data) // 4096):
    blk = data[b * 4096:(b + 1) * 4096].rstrip(b"\0")
    if blk:
        rec += struct.pack("<BH", b, len(blk)) + blk
open(out, "wb").write(rec)
PY
}
"$keelfs" mkfs "$work/empty" 256K
records 0 "$work/empty" "$d/empty"
records 3 "$work/empty" "$d/empty-changed"
printf 'hello' >"$work/hello"
head -c 1000 /dev/zero | tr '\0' 'x' >"$work/big"
"$keelfs" mkfs "$work/tree" 256K
"$keelfs" mkdir "$work/tree" /a/b
"$keelfs" put "$work/tree" "$work/hello" /a/hello
"$keelfs" put "$work/tree" "$work/hello" /a/b/c
"$keelfs" put "$work/tree" "$work/big" /big
"$keelfs" rm "$work/tree" /a/b/c
records 0 "$work/tree" "$d/tree"
records 1 "$work/tree" "$d/tree-fixed"
records 3 "$work/tree" "$d/tree-changed"
rm -rf "$work"
