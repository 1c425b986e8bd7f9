#!/usr/bin/env bash
# KeelFS at the root.
#   t-fs-disk.sh tree: both ways between host and guest: the host makes an
#     image of a tree with `keelfs mkfs`; mtest reads every file (its
#     SHA-256 must be the host's) and copies the tree; after the VM exits,
#     the host tool reads the copy back from the image byte for byte, and
#     fsck finds the image clean.
#   t-fs-disk.sh files: mtest's file system calls (fsfiles.c) with "/" on
#     an empty KeelFS disk; fsck finds the image clean afterwards.
#   t-fs-disk.sh tree|files TRANSPORT INDIRECT LBS: the same on a disk with
#     the modern or legacy interface, indirect descriptors on or off, and
#     512- or 4096-byte logical blocks; the kernel must have seen them so.
#   t-fs-disk.sh tree|files scsi [LBS]: the same on a scsi-hd behind
#     virtio-scsi-pci (LUN 0, named sda).
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
transport=${2:-} indirect=${3:-on} lbs=${4:-512}
disk_opts=() root=vda
if [ "$transport" = scsi ]; then
	lbs=${3:-512} root=sda
	hd=scsi-hd,bus=scsi0.0,drive=d0,lun=0
	[ "$lbs" = 4096 ] && hd+=,logical_block_size=4096,physical_block_size=4096
	disk_opts=(-- -device virtio-scsi-pci,id=scsi0 -drive "if=none,id=d0,file=$tmp/img,format=raw" -device "$hd")
elif [ -n "$transport" ]; then
	case $transport in
	modern) opts=disable-legacy=on ;;
	legacy) opts=disable-modern=on ;;
	*) fail "unknown transport $transport" ;;
	esac
	[ "$indirect" = off ] && opts+=,indirect_desc=off
	[ "$lbs" = 4096 ] && opts+=,logical_block_size=4096,physical_block_size=4096
	disk_opts=(--disk "$tmp/img" --disk-opts "$opts")
fi
[ ${#disk_opts[@]} = 0 ] && disk_opts=(--disk "$tmp/img")

# The disk as the kernel saw it, when the test chose its options.
check_disk() {
	[ -n "$transport" ] || return 0
	if [ "$transport" = scsi ]; then
		tr -d '\r' <"$1" | grep -Eq "^sda: scsi 0:0 on virtio-scsi0: Direct-Access .*, [0-9]+ $lbs-byte logical blocks" ||
			fail "the disk was not announced as sda with $lbs-byte blocks"
		return 0
	fi
	tr -d '\r' <"$1" | grep -Eq "^vda: virtio-blk0, [0-9]+ sectors of 512 bytes, $lbs-byte blocks" ||
		fail "the disk does not have $lbs-byte blocks"
	tr -d '\r' <"$1" | grep -q "^virtio-blk0: .*, $transport interface" || fail "not the $transport interface"
	if [ "$indirect" = off ]; then
		features=$(tr -d '\r' <"$1" | sed -n 's/^virtio-blk0: .*features 0x\([0-9a-f]*\).*/\1/p')
		[ -n "$features" ] && [ $((0x$features >> 28 & 1)) = 0 ] || fail "indirect descriptors were offered"
	fi
}

if [ "${1:-tree}" = files ]; then
	$KEELFS mkfs "$tmp/img" 64M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
	./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 300 --append "root=$root -- files" \
		"${disk_opts[@]}" >"$tmp/out" 2>&1
	rc=$?
	tr -d '\r' <"$tmp/out" | grep -q "^fs: KeelFS on $root at /\$" || fail "the root is not KeelFS on $root"
	check_disk "$tmp/out"
	grep -q 'mtest: files done, 0 failures' "$tmp/out" && [ $rc = 0 ] || {
		tr -d '\r' <"$tmp/out" | tail -30
		fail "mtest files failed on KeelFS (exit status $rc)"
	}
	$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
	echo "PASS: every file system call on KeelFS at the root, image clean"
	exit 0
fi

# Sizes around the block size, a large file and an empty one, nested.
src=$tmp/root/in
mkdir -p "$src/a/b/c" "$src/empty-dir" "$src/d"
: >"$src/empty"
printf x >"$src/one"
for n in 4095 4096 4097 8191 8193 12288; do
	head -c $n /dev/urandom >"$src/a/size-$n"
done
head -c 3000000 /dev/urandom >"$src/a/b/big"
head -c 70000 /dev/urandom >"$src/a/b/c/deep"
seq 1 50000 >"$src/d/numbers.txt"
$KEELFS mkfs "$tmp/img" 64M "$tmp/root" >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }

./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 300 --append "root=$root -- tree /in /out" \
	"${disk_opts[@]}" >"$tmp/out" 2>&1
rc=$?
tr -d '\r' <"$tmp/out" | grep -q "^fs: KeelFS on $root at /\$" || fail "the root is not KeelFS on $root"
check_disk "$tmp/out"
grep -q 'mtest: tree done, 0 failures' "$tmp/out" || {
	tr -d '\r' <"$tmp/out" | tail -30
	fail "mtest tree failed"
}
[ $rc = 0 ] || fail "exit status $rc, not 0"

# The guest's SHA-256 of each file is the host's.
(cd "$tmp/root" && find in -type f | sort | while read -r f; do
	echo "sha256 $(sha256sum "$f" | cut -d' ' -f1) /$f"
done) | sort >"$tmp/want-sums"
tr -d '\r' <"$tmp/out" | grep '^sha256 ' | sort >"$tmp/got-sums"
diff -u "$tmp/want-sums" "$tmp/got-sums" || fail "the guest read other bytes than the host wrote"

# The copy, read back from the image by the host tool.
n=0
while read -r f; do
	rel=${f#in/}
	$KEELFS get "$tmp/img" "/out/$rel" "$tmp/back" >/dev/null 2>&1 || fail "keelfs get /out/$rel"
	cmp "$tmp/back" "$tmp/root/$f" || fail "/out/$rel differs from what the guest read"
	n=$((n + 1))
done < <(cd "$tmp/root" && find in -type f)
$KEELFS ls "$tmp/img" /out/empty-dir >/dev/null 2>&1 || fail "/out/empty-dir is missing"
$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
echo "PASS: $n files read with the host's SHA-256 and copied back byte for byte, image clean"
