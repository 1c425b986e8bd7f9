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
# Then a networked appliance: apps/echo on -M microvm with virtio-net over
# virtio-mmio, timed from QEMU's launch to the first answer of its TCP
# echo through the user network, beside the floor with the same QEMU
# options (--no-appliance leaves it out).
#
# Prints a Markdown table. Runs under TCG, as every test here does.
set -eu
cd "$(dirname "$0")/.."

runs=10 uefi=1 app=hello appliance=1
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--no-uefi) uefi=0; shift ;;
	--app) app=$2; shift 2 ;;
	--no-appliance) appliance=0; shift ;;
	*) echo "usage: bench/boot.sh [--runs N] [--no-uefi] [--app NAME] [--no-appliance]" >&2; exit 2 ;;
	esac
done

tools/install-deps.sh test >/dev/null
make -s APP=$app all >/dev/null
[ $appliance = 1 ] && make -s APP=echo all >/dev/null
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

[ $appliance = 1 ] || exit 0

# Runs the echo appliance once; prints the wall time in microseconds from
# QEMU's launch to the first byte its TCP echo sent back through the user
# network's hostfwd (slirp accepts the host's connection before the guest
# listens, so only an answer counts), and to echo's "ready" line on the
# console, after which the connections start; then stops QEMU. $1: the console's log, $2: the host port,
# then the QEMU arguments.
appliance_once() {
	python3 - "$@" <<'PY'
import os, signal, socket, subprocess, sys, time
log, port, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
with open(log, "wb") as out:
    t0 = time.monotonic()
    q = subprocess.Popen(["qemu-system-x86_64"] + args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    answered = ready = None
    # The console first: every connection tried before echo listens is a
    # SYN the guest must answer, which would slow the boot it measures.
    while ready is None and time.monotonic() - t0 < 60 and q.poll() is None:
        if b"echo: ready" in open(log, "rb").read():
            ready = time.monotonic()
        else:
            time.sleep(0.001)
    while answered is None and time.monotonic() - t0 < 60 and q.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"k")
                if s.recv(1) == b"k":
                    answered = time.monotonic()
        except OSError:
            time.sleep(0.0005)
    q.send_signal(signal.SIGTERM)
    q.wait()
if answered is None:
    sys.exit("no echo answer in 60 s")
print(int((answered - t0) * 1e6), int((ready - t0) * 1e6))
PY
}

# name, then QEMU's machine options.
bench_appliance() {
	local name=$1 machine=$2
	local floor_t=() echo_t=() ready_t=() guest_us=() port t
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	local dev=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7" -device virtio-net-device,netdev=n0
		-global virtio-mmio.force-legacy=false)
	for ((i = 0; i < runs; i++)); do
		floor_t+=("$(time_once "$out/floor.log" -M "$machine" -kernel "$out/floor.elf" "${dev[@]}")")
		t=$(appliance_once "$out/echo.log" "$port" "${common[@]}" -M "$machine" -kernel build/echo.elf \
			-append 7 "${dev[@]}") || { cat "$out/echo.log" >&2; exit 1; }
		echo_t+=("${t% *}")
		ready_t+=("${t#* }")
		grep -q 'virtio-net0: mmio@' "$out/echo.log" || { echo "echo has no virtio-net over MMIO:" >&2; cat "$out/echo.log" >&2; exit 1; }
		guest_us+=("$(sed -n 's/^keel: main after \([0-9]*\) us.*/\1/p' "$out/echo.log" | tr -d '\r')")
	done
	local f e r g
	f=$(printf '%s\n' "${floor_t[@]}" | median)
	e=$(printf '%s\n' "${echo_t[@]}" | median)
	r=$(printf '%s\n' "${ready_t[@]}" | median)
	g=$(printf '%s\n' "${guest_us[@]}" | median)
	printf '| %s | %d.%d | %d.%d | %d.%d | %s | %d |\n' "$name" $((f / 1000)) $((f / 100 % 10)) $((r / 1000)) \
		$((r / 100 % 10)) $((e / 1000)) $((e / 100 % 10)) "$(awk -v e="$e" -v f="$f" 'BEGIN { printf "%.3fx", e / f }')" "$g"
}

echo
echo "The echo appliance (apps/echo, virtio-net over virtio-mmio version 2): QEMU's launch to the first TCP echo answer, median of $runs runs"
echo
echo "| path | floor (ms) | echo's ready line (ms) | first echo answer (ms) | answer / floor | echo in-guest, first instruction to main (us) |"
echo "|---|---|---|---|---|---|"
bench_appliance "PVH -kernel, -M microvm (pit=on, no ACPI: device on the command line)" \
	microvm,x-option-roms=off,rtc=off,pit=on,pic=off,acpi=off
bench_appliance "PVH -kernel, -M microvm (pit=on, ACPI: device in the DSDT)" \
	microvm,x-option-roms=off,rtc=off,pit=on,pic=off,acpi=on
size=$(stat -c %s build/echo.stripped.elf)
echo
echo "echo image: $(stat -c %s build/echo.elf) bytes, stripped $size bytes ($((size / 1024)) KiB)"
