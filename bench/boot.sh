#!/usr/bin/env bash
# Boot time of the hello image on each boot path, beside the floor: the
# same QEMU options booting a guest whose first instruction exits
# (bench/floor.S). Wall time from QEMU's launch to its exit, median of
# RUNS runs (default 10), runs of the two alternating; and, from hello's
# own log, the time from the kernel's first instruction to main (TSC).
#
#   bench/boot.sh [--runs N] [--no-uefi] [--app NAME]
#
# --app times another application (default hello, the musl program;
# khello is the kernel alone, on its own C library, without drivers or
# system calls).
#
# Prints a Markdown table. Runs under TCG, as every test here does.
set -eu
cd "$(dirname "$0")/.."

runs=10 uefi=1 app=hello
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--no-uefi) uefi=0; shift ;;
	--app) app=$2; shift 2 ;;
	*) echo "usage: bench/boot.sh [--runs N] [--no-uefi] [--app NAME]" >&2; exit 2 ;;
	esac
done

tools/install-deps.sh test >/dev/null
make -s APP=$app all >/dev/null
out=build/bench
mkdir -p "$out/iso/boot/grub"
gcc -c bench/floor.S -o "$out/floor.o"
ld -T bench/floor.ld -o "$out/floor.elf" "$out/floor.o"
cp "$out/floor.elf" "$out/iso/boot/keel.elf"
awk '{ gsub(/@CMDLINE@/, ""); print }' tools/grub.cfg.in >"$out/iso/boot/grub/grub.cfg"
grub-mkrescue -o "$out/floor.iso" "$out/iso" 2>/dev/null

ovmf_code=/usr/share/OVMF/OVMF_CODE_4M.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS_4M.fd

common=(-accel tcg -m 128M -nodefaults -no-user-config -display none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio)

# Runs QEMU once; prints the wall time in microseconds. $1: a log for the
# console, then the QEMU arguments.
time_once() {
	local log=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	qemu-system-x86_64 "${common[@]}" "$@" >"$log" 2>&1 </dev/null || true
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

# path name, then the QEMU arguments with IMAGE standing for the image.
bench_path() {
	local name=$1
	shift
	local floor_t=() hello_t=() guest_us=()
	for ((i = 0; i < runs; i++)); do
		echo "$name: run $((i + 1)) of $runs" >&2
		local fargs=() hargs=() a
		for a in "$@"; do
			fargs+=("${a//@ELF@/$out/floor.elf}")
			fargs[-1]=${fargs[-1]//@ISO@/$out/floor.iso}
			hargs+=("${a//@ELF@/build/$app.elf}")
			hargs[-1]=${hargs[-1]//@ISO@/build/$app.iso}
		done
		if [[ " $* " == *" -drive "* ]]; then
			cp "$ovmf_vars" "$out/vars.fd"
		fi
		floor_t+=("$(time_once "$out/floor.log" "${fargs[@]}")")
		if [[ " $* " == *" -drive "* ]]; then
			cp "$ovmf_vars" "$out/vars.fd"
		fi
		hello_t+=("$(time_once "$out/hello.log" "${hargs[@]}")")
		grep -q 'keel: exit status 0' "$out/hello.log" || { echo "$app failed on $name:" >&2; cat "$out/hello.log" >&2; exit 1; }
		guest_us+=("$(sed -n 's/.*booted in \([0-9]*\) us.*/\1/p' "$out/hello.log" | tr -d '\r')")
	done
	local f h g
	f=$(printf '%s\n' "${floor_t[@]}" | median)
	h=$(printf '%s\n' "${hello_t[@]}" | median)
	g=$(printf '%s\n' "${guest_us[@]}" | median)
	printf '| %s | %d.%d | %d.%d | %s | %d |\n' "$name" $((f / 1000)) $((f / 100 % 10)) $((h / 1000)) $((h / 100 % 10)) \
		"$(awk -v h="$h" -v f="$f" 'BEGIN { printf "%.3fx", h / f }')" "$g"
}

echo "Boot to exit under TCG, median of $runs runs ($(qemu-system-x86_64 --version | head -1))"
echo
echo "| path | floor (ms) | $app (ms) | $app / floor | $app in-guest, first instruction to main (us) |"
echo "|---|---|---|---|---|"
bench_path "PVH -kernel, -M microvm (pit=on, no ACPI)" -M microvm,x-option-roms=off,rtc=off,pit=on,pic=off,acpi=off -kernel @ELF@
bench_path "PVH -kernel, -M pc" -M pc -kernel @ELF@
bench_path "PVH -kernel, -M q35" -M q35 -kernel @ELF@
bench_path "GRUB ISO, SeaBIOS, -M pc" -M pc -cdrom @ISO@
bench_path "GRUB ISO, SeaBIOS, -M q35" -M q35 -cdrom @ISO@
if [ $uefi = 1 ]; then
	bench_path "GRUB ISO, OVMF, -M q35" -M q35 -drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf_code" \
		-drive "if=pflash,format=raw,unit=1,file=$out/vars.fd" -cdrom @ISO@
fi
echo
size=$(stat -c %s build/$app.stripped.elf)
echo "$app image: $(stat -c %s build/$app.elf) bytes, stripped $size bytes ($((size / 1024)) KiB)"
