#!/usr/bin/env bash
# The raw disk on Keel beside a Linux guest (Debian's kernel and busybox:
# bench/linux-guest.sh) on the same QEMU options and the same kind of disk
# image, below any filesystem: ktest blk-bench through the block device
# API on Keel, bench/progs/blkbench.c with O_DIRECT on /dev/vda on Linux.
#
#   seq-write, seq-read   MIB MiB (default 64) in 1 MiB requests, one at a time
#   rand-read-qd1         OPS (default 2000) reads of 4 KiB at random places
#   rand-read-qd32        4 * OPS such reads, 32 at once
#
# And through a filesystem: KeelFS on Keel, ext4 (made on the host with
# mkfs.ext4) on Linux, on the same kind of disk:
#
#   file-write, file-read  a file of FS-MIB MiB (default 64) in 1 MiB writes
#                          and an fsync, then read back after a
#                          POSIX_FADV_DONTNEED, from the disk (tests/apps/filebench)
#   file-reread            the file read again as it is: from Linux's page
#                          cache, from KeelFS's file-data cache
#   speedtest1             SQLite's speedtest1 --size SIZE (default 10): its
#                          total time in seconds (tests/apps/speedtest1)
#
# Medians of RUNS boots of each (default 3). Prints a Markdown table;
# with --write, also puts it in bench/README.md.
#
#   bench/blk.sh [--runs N] [--mib N] [--ops N] [--fs-mib N] [--size N] [--write]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/linux-guest.sh

runs=3 write=0 mib=64 ops=2000 fs_mib=64 size=10
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--mib) mib=$2; shift 2 ;;
	--ops) ops=$2; shift 2 ;;
	--fs-mib) fs_mib=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--write) write=1; shift ;;
	*) echo "usage: bench/blk.sh [--runs N] [--mib N] [--ops N] [--fs-mib N] [--size N] [--write]" >&2; exit 2 ;;
	esac
done

out=build/bench/blk
mkdir -p "$out"
echo "building ktest, filebench, speedtest1, keelfs; blkbench, filebench and speedtest1 for Linux..." >&2
make -s APP=ktest all >/dev/null
make -s APP=filebench all >/dev/null
make -s APP=speedtest1 all >/dev/null
make -s keelfs >/dev/null
tools/linux-build.sh blkbench filebench speedtest1 >/dev/null
printf '/blkbench /dev/vda %s %s\n' "$mib" "$ops" >"$out/init"
linux_guest_initramfs "$out/linux.cpio.gz" "$out/init" --modules "virtio_pci virtio_blk" build/linux/blkbench=blkbench
# speedtest1's last line, "TOTAL.... 4.302s", becomes the measure's line.
cat >"$out/init-fs" <<EOF
mount -t ext4 /dev/vda /mnt || echo "linux-guest: cannot mount ext4"
/filebench /mnt/file $fs_mib
rm /mnt/file
/speedtest1 --size $size /mnt/speed.db >/tmp/speed.out
sed -n 's/^ *TOTAL\.* *\([0-9.]*\)s\$/bench: speedtest1 \1 s/p' /tmp/speed.out
umount /mnt
EOF
linux_guest_initramfs "$out/linux-fs.cpio.gz" "$out/init-fs" --modules "virtio_pci virtio_blk ext4 crc32c_generic" \
	build/linux/filebench=filebench build/linux/speedtest1=speedtest1

qemu_opts=(-accel tcg -M q35 -m 256M -nodefaults -no-user-config -display none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio)
disk() { # image file: a fresh one of mib + 16 MiB each boot
	rm -f "$1"
	truncate -s $((mib + 16))M "$1"
	echo -drive "file=$1,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0
}

fs_img() { # FILE ext4|keelfs: a fresh filesystem of fs_mib + 64 MiB
	rm -f "$1"
	if [ "$2" = ext4 ]; then
		truncate -s $((fs_mib + 64))M "$1"
		mkfs.ext4 -q -F "$1" >/dev/null
	else
		build/keelfs mkfs "$1" $((fs_mib + 64))M >/dev/null
	fi
	echo -drive "file=$1,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0
}
speedtest_total() { tr -d '\r' <"$1" | sed -n 's/^ *TOTAL\.* *\([0-9.]*\)s$/bench: speedtest1 \1 s/p'; }

median() { grep -v "^$" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/^bench: $1 \([0-9.]*\) .*/\1/p" "$2" | tr -d '\r'; }

measures=(seq-write seq-read rand-read-qd1 rand-read-qd32 file-write file-read file-reread speedtest1)
declare -A linux keel
for m in "${measures[@]}"; do linux[$m]= keel[$m]=; done
for ((r = 0; r < runs; r++)); do
	echo "run $((r + 1)) of $runs" >&2
	# shellcheck disable=SC2046
	qemu-system-x86_64 "${qemu_opts[@]}" $(disk "$out/linux.img") -kernel "$(linux_guest_kernel)" \
		-initrd "$out/linux.cpio.gz" -append "console=ttyS0 quiet panic=-1" </dev/null 2>&1 |
		tr -d '\r' >"$out/linux.$r" || true
	# shellcheck disable=SC2046
	./run-qemu.sh --kernel build/ktest.elf --accel tcg --timeout 300 --append "blk-bench vda $mib $ops" \
		-- $(disk "$out/keel.img") </dev/null >"$out/keel.$r" 2>&1 || true
	# shellcheck disable=SC2046
	qemu-system-x86_64 "${qemu_opts[@]}" $(fs_img "$out/linux.img" ext4) -kernel "$(linux_guest_kernel)" \
		-initrd "$out/linux-fs.cpio.gz" -append "console=ttyS0 quiet panic=-1" </dev/null 2>&1 |
		tr -d '\r' >>"$out/linux.$r" || true
	# shellcheck disable=SC2046
	./run-qemu.sh --kernel build/filebench.elf --accel tcg --mem 256M --timeout 300 --append "root=vda -- /file $fs_mib" \
		-- $(fs_img "$out/keel.img" keelfs) </dev/null >>"$out/keel.$r" 2>&1 || true
	# shellcheck disable=SC2046
	./run-qemu.sh --kernel build/speedtest1.elf --accel tcg --mem 256M --timeout 600 --device virtio-rng-pci \
		--append "root=vda -- --size $size /speed.db" -- $(fs_img "$out/keel.img" keelfs) </dev/null \
		>"$out/keel-speed.$r" 2>&1 || true
	speedtest_total "$out/keel-speed.$r" >>"$out/keel.$r"
	for m in "${measures[@]}"; do
		linux[$m]+="$(field $m "$out/linux.$r") "
		keel[$m]+="$(field $m "$out/keel.$r") "
	done
done
rm -f "$out/linux.img" "$out/keel.img"

med() { printf '%s\n' $1 | median; }
ratio() { awk -v k="$1" -v l="$2" 'BEGIN { if (k == "nan" || l == "nan" || k == "" || l == "" || l == 0) print "n/a"; else printf "%.2fx", k / l }'; }

table=$(
	echo "| measure | Linux guest | Keel | Keel / Linux guest |"
	echo "|---|---|---|---|"
	for m in "${measures[@]}"; do
		unit="MB/s"
		[[ $m == rand-* ]] && unit=IOPS
		l=$(med "${linux[$m]}") k=$(med "${keel[$m]}")
		if [ $m = speedtest1 ]; then
			# A time: the ratio is the Linux guest's over Keel's, so that
			# above 1 is still Keel faster.
			echo "| speedtest1 --size $size (s, total) | $l | $k | $(ratio "$l" "$k") |"
			continue
		fi
		echo "| $m ($unit) | $l | $k | $(ratio "$k" "$l") |"
	done
)
header="Medians of $runs runs under TCG, $(qemu-system-x86_64 --version | head -1), -M q35, a raw image of $((mib + 16)) MiB on the host, $mib MiB sequential, $ops random reads at QD1 and $((4 * ops)) at QD32; a file of $fs_mib MiB and speedtest1 on KeelFS (Keel) and ext4 (Linux) on an image of $((fs_mib + 64)) MiB; $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
echo "$header"
echo
echo "$table"
if [ $write = 1 ]; then
	python3 - "$header" "$table" <<'PY'
import sys, re
header, table = sys.argv[1], sys.argv[2]
p = 'bench/README.md'
s = open(p).read()
title = "## The raw disk: `bench/blk.sh`"
section = title + "\n\n" + \
    "Keel's block device API on virtio-blk beside a Linux guest (Debian's kernel, busybox) reading and " + \
    "writing /dev/vda with O_DIRECT, on the same QEMU options and disk (ratios: Keel's throughput over " + \
    "the Linux guest's, above 1 is Keel faster). The image sits in the host's page cache and the guests " + \
    "run under TCG, so this measures the guest's own path per request (system call, block layer and " + \
    "driver on Linux; the driver alone on Keel) rather than storage; from run to run the Linux guest's " + \
    "sequential figures varied several-fold between runs on this shared machine (seq-read 544 to 1968 MB/s). " + \
    "The last four rows go through a filesystem: KeelFS on Keel, ext4 (mkfs.ext4 on the host, default options) " + \
    "in the Linux guest; file-write includes the fsync, file-read follows a POSIX_FADV_DONTNEED so that both " + \
    "read the disk (Linux drops its clean pages, KeelFS its cached data blocks), file-reread reads the file " + \
    "again as it is, from Linux's page cache and KeelFS's file-data cache (fs/kfs_dcache.h); speedtest1 is SQLite's, the same build on " + \
    "both (rollback journal, no WAL), its total time, the ratio Linux's over Keel's.\n\n" + header + "\n\n" + table + "\n"
pat = re.escape(title) + r".*?(?=\n## |\Z)"
s = re.sub(pat, lambda m: section, s, flags=re.S) if title in s else s.rstrip("\n") + "\n\n" + section
open(p, 'w').write(s)
PY
fi
