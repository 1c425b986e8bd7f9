#!/usr/bin/env bash
# Boots a Keel image under QEMU and returns the application's exit status.
#
#   run-qemu.sh --kernel build/hello.elf [--append "args"]     (PVH, no firmware menu)
#   run-qemu.sh --iso build/hello.iso [--uefi]                  (GRUB under SeaBIOS or OVMF)
#
# Exit status: the application's (0..127) when the VM ended through the
# isa-debug-exit port; otherwise one of run-qemu.sh's own:
#   200  QEMU ended some other way (a reset, a triple fault, a power-off)
#   201  the timeout passed; QEMU was killed
#   202  QEMU could not start (see its message)
#   203  bad usage of this script
set -u

EXIT_ABNORMAL=200
EXIT_TIMEOUT=201
EXIT_NO_QEMU=202
EXIT_USAGE=203

usage() {
	cat <<'EOF'
usage: run-qemu.sh (--kernel FILE | --iso FILE) [options] [-- QEMU-ARGS...]

  --kernel FILE       boot an ELF image through QEMU's PVH loader (-kernel)
  --iso FILE          boot a GRUB ISO (SeaBIOS, or OVMF with --uefi)
  --uefi              boot the ISO under UEFI firmware (OVMF)
  --append "CMDLINE"  the kernel command line ("kernel opts -- app args", or
                      just the app's args). With --iso it reaches the kernel
                      through QEMU's fw_cfg and replaces the one in grub.cfg.
  --accel kvm|tcg     default: kvm when /dev/kvm is usable (not kvm_pvm), else tcg
  --machine TYPE      pc, q35 (default) or microvm: no PCI, devices on virtio-mmio
                      (--device virtio-rng-device, ...) found through ACPI;
                      add -- -M microvm,acpi=off to have QEMU name them on the
                      command line instead, -- -global
                      virtio-mmio.force-legacy=false for virtio-mmio version 2
  --cpu MODEL         a QEMU CPU model (default: QEMU's default for the machine)
  --mem SIZE          guest memory, e.g. 128M (default) or 6G
  --timeout SECONDS   kill QEMU after this long (default: none)
  --serial-log FILE   also write the serial console to FILE
  --disk FILE         attach FILE as a virtio-blk disk (may repeat); on microvm
                      a virtio-mmio one, as --net's
  --disk-opts OPTS    more virtio-blk properties for the --disk before it, e.g.
                      disable-modern=on (legacy), indirect_desc=off,
                      logical_block_size=4096,physical_block_size=4096
  --device SPEC       add a QEMU -device (may repeat)
  --net user[,OPTS]   attach a virtio-net device on QEMU's user network (slirp);
                      OPTS are -netdev user's, e.g. hostfwd=tcp:127.0.0.1:8080-:80
                      (may repeat: one device each)
  --net tap=IFNAME    attach a virtio-net device on an existing tap interface
                      (ip tuntap add IFNAME mode tap; no vhost-net)
  --qmp SOCKET        serve QEMU's machine protocol (QMP) on the UNIX socket
                      SOCKET (device_add, balloon, query-*; tests/boot/qmp.py)
  --no-debug-exit     leave out the isa-debug-exit device (the kernel then
                      powers off through ACPI: the status is lost)
  --gdb[=PORT]        start QEMU's gdb stub on PORT (default 1234), the VM
                      stopped before its first instruction, and print the gdb
                      command that attaches with the image's symbols
  --dry-run           print the QEMU command instead of running it
  --libvirt           print a libvirt domain (XML) for these options instead
                      of running (tools/libvirt-xml.sh; the serial console
                      goes to --serial-log, default IMAGE.serial.log)
  -h, --help          this text

Exit status: the application's (0..127), or 200 (QEMU ended without the
VM's exit: reset, triple fault, power-off), 201 (timeout), 202 (QEMU did
not start), 203 (usage).
EOF
}

die_usage() {
	echo "run-qemu.sh: $*" >&2
	echo "run 'run-qemu.sh --help' for the options" >&2
	exit $EXIT_USAGE
}

disk_dev= kernel= iso= uefi=0 append= have_append=0 accel= machine=q35 cpu= mem=128M timeout_s= serial_log= dry_run=0 debug_exit=1 qmp=
gdb_port= libvirt=0
extra=()
# What --libvirt hands to tools/libvirt-xml.sh, and the options it cannot.
lv_args=() lv_refused=()

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || die_usage "--kernel needs a file"; kernel=$2; shift 2 ;;
	--iso) [ $# -ge 2 ] || die_usage "--iso needs a file"; iso=$2; shift 2 ;;
	--uefi) uefi=1; shift ;;
	--append) [ $# -ge 2 ] || die_usage "--append needs a string"; append=$2; have_append=1; shift 2 ;;
	--accel) [ $# -ge 2 ] || die_usage "--accel needs kvm or tcg"; accel=$2; shift 2 ;;
	--machine) [ $# -ge 2 ] || die_usage "--machine needs a type"; machine=$2; shift 2 ;;
	--cpu) [ $# -ge 2 ] || die_usage "--cpu needs a model"; cpu=$2; shift 2 ;;
	--mem) [ $# -ge 2 ] || die_usage "--mem needs a size"; mem=$2; shift 2 ;;
	--timeout) [ $# -ge 2 ] || die_usage "--timeout needs seconds"; timeout_s=$2; shift 2 ;;
	--serial-log) [ $# -ge 2 ] || die_usage "--serial-log needs a file"; serial_log=$2; shift 2 ;;
	--disk)
		[ $# -ge 2 ] || die_usage "--disk needs a file"
		lv_args+=(--disk "$2")
		n=${#extra[@]}
		extra+=(-drive "file=$2,if=none,id=disk$n,format=raw" -device "virtio-blk-pci,drive=disk$n")
		disk_dev=$((n + 3))
		shift 2 ;;
	--disk-opts)
		[ $# -ge 2 ] || die_usage "--disk-opts needs properties"
		[ -n "$disk_dev" ] || die_usage "--disk-opts follows a --disk"
		extra[disk_dev]+=",$2"
		lv_refused+=(--disk-opts)
		shift 2 ;;
	--device) [ $# -ge 2 ] || die_usage "--device needs a spec"; extra+=(-device "$2"); lv_args+=(--device "$2"); shift 2 ;;
	--net)
		[ $# -ge 2 ] || die_usage "--net needs user[,OPTS] or tap=IFNAME"
		n=${#extra[@]}
		case $2 in
		user | user,*) extra+=(-netdev "$2,id=net$n") ;;
		# A tap someone else made and owns: no scripts; QEMU's own
		# virtio-net back end, since /dev/vhost-net is not everywhere.
		tap=?*) extra+=(-netdev "tap,id=net$n,ifname=${2#tap=},script=no,downscript=no,vhost=off") ;;
		*) die_usage "--net is user[,OPTS] or tap=IFNAME" ;;
		esac
		extra+=(-device "virtio-net-pci,netdev=net$n")
		lv_args+=(--net "$2")
		shift 2 ;;
	--qmp) [ $# -ge 2 ] || die_usage "--qmp needs a socket path"; qmp=$2; lv_refused+=(--qmp); shift 2 ;;
	--no-debug-exit) debug_exit=0; lv_args+=(--no-debug-exit); shift ;;
	--gdb) gdb_port=1234; lv_refused+=(--gdb); shift ;;
	--gdb=*)
		gdb_port=${1#--gdb=}
		[[ $gdb_port =~ ^[0-9]+$ ]] && [ "$gdb_port" -ge 1 ] && [ "$gdb_port" -le 65535 ] || die_usage "--gdb=PORT takes a TCP port"
		lv_refused+=(--gdb)
		shift ;;
	--dry-run) dry_run=1; shift ;;
	--libvirt) libvirt=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; extra+=("$@"); [ $# -gt 0 ] && lv_refused+=("QEMU arguments after --"); break ;;
	*) die_usage "unknown option '$1'" ;;
	esac
done

[ -n "$kernel" ] || [ -n "$iso" ] || die_usage "give --kernel FILE or --iso FILE"
[ -n "$kernel" ] && [ -n "$iso" ] && die_usage "give --kernel or --iso, not both"
[ -n "$kernel" ] && [ ! -f "$kernel" ] && die_usage "no such kernel image: $kernel"
[ -n "$iso" ] && [ ! -f "$iso" ] && die_usage "no such ISO: $iso"
[ $uefi = 1 ] && [ -z "$iso" ] && die_usage "--uefi boots an ISO: give --iso"
[ -n "$timeout_s" ] && ! [[ $timeout_s =~ ^[0-9]+(\.[0-9]+)?$ ]] && die_usage "--timeout takes seconds"
case $machine in pc | q35 | microvm) ;; *) die_usage "--machine is pc, q35 or microvm" ;; esac
[ "$machine" = microvm ] && [ -n "$iso" ] && die_usage "microvm has no firmware to boot an ISO; use --kernel"

# --libvirt: the same VM as a libvirt domain, named after the image; its
# serial console goes to a file (libvirt's QEMU runs detached from us).
if [ $libvirt = 1 ]; then
	[ $uefi = 1 ] && lv_refused+=(--uefi)
	[ "$accel" = kvm ] && lv_refused+=("--accel kvm")
	[ -n "$cpu" ] && lv_refused+=(--cpu)
	[ "$machine" = microvm ] && lv_refused+=("--machine microvm")
	[ ${#lv_refused[@]} -gt 0 ] && die_usage "--libvirt cannot express: ${lv_refused[*]}"
	image=${kernel:-$iso}
	base=$(basename "$image")
	base=${base%.*}
	lv_args+=(--name "keel-$base" --machine "$machine" --mem "$mem" --serial-log "${serial_log:-${image%.*}.serial.log}")
	if [ -n "$kernel" ]; then lv_args+=(--kernel "$kernel"); else lv_args+=(--iso "$iso"); fi
	# An ISO's command line is its grub.cfg's: libvirt has no fw_cfg
	# element for the one --append would give.
	if [ $have_append = 1 ]; then
		[ -n "$kernel" ] || die_usage "--libvirt with --iso boots the ISO's own command line: leave out --append"
		lv_args+=(--append "$append")
	fi
	exec "$(dirname "$0")/tools/libvirt-xml.sh" "${lv_args[@]}"
fi

qemu=$(command -v qemu-system-x86_64) || {
	echo "run-qemu.sh: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)" >&2
	exit $EXIT_NO_QEMU
}

if [ -z "$accel" ]; then
	# KVM on a real host. kvm_pvm is not one: a nested instruction
	# emulator, far slower than TCG, that stops at SSE and x87
	# instructions, which applications use.
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ]; then accel=kvm; else accel=tcg; fi
fi
case $accel in kvm | tcg) ;; *) die_usage "--accel is kvm or tcg" ;; esac

machine_opts=$machine
[ "$machine" = microvm ] && machine_opts="microvm,x-option-roms=off,rtc=off"
# microvm has no PCI: the devices of --disk and --net (named by their
# ids, disk<n> and net<n>) go on its virtio-mmio transports instead.
if [ "$machine" = microvm ]; then
	extra=("${extra[@]/#virtio-blk-pci,drive=disk/virtio-blk-device,drive=disk}")
	extra=("${extra[@]/#virtio-net-pci,netdev=net/virtio-net-device,netdev=net}")
fi

args=(-M "$machine_opts" -accel "$accel" -m "$mem" -nodefaults -no-user-config -display none -no-reboot)
[ $debug_exit = 1 ] && args+=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
[ -n "$cpu" ] && args+=(-cpu "$cpu")

# The serial console goes to standard output and, for the check below, to
# a log: QEMU exits with 1 both when the guest exits with status 0 and
# when QEMU itself fails, and only the kernel's last line tells them apart.
workdir=$(mktemp -d "${TMPDIR:-/tmp}/keel-run.XXXXXX") || exit $EXIT_NO_QEMU
trap 'rm -rf "$workdir"' EXIT
log=${serial_log:-$workdir/serial.log}
: >"$log"
args+=(-chardev "stdio,id=console,logfile=$log" -serial chardev:console)

if [ -n "$kernel" ]; then
	args+=(-kernel "$kernel")
	[ $have_append = 1 ] && args+=(-append "$append")
else
	args+=(-cdrom "$iso")
	# The ISO's command line is in its grub.cfg; an --append replaces
	# it through fw_cfg (arch/x86_64/fwcfg.c reads opt/keel/cmdline).
	if [ $have_append = 1 ]; then
		printf '%s' "$append" >"$workdir/cmdline"
		args+=(-fw_cfg "name=opt/keel/cmdline,file=$workdir/cmdline")
	fi
	if [ $uefi = 1 ]; then
		code= vars=
		for d in /usr/share/OVMF /usr/share/ovmf /usr/share/qemu; do
			if [ -f "$d/OVMF_CODE_4M.fd" ] && [ -f "$d/OVMF_VARS_4M.fd" ]; then
				code=$d/OVMF_CODE_4M.fd vars=$d/OVMF_VARS_4M.fd; break
			elif [ -f "$d/OVMF_CODE.fd" ] && [ -f "$d/OVMF_VARS.fd" ]; then
				code=$d/OVMF_CODE.fd vars=$d/OVMF_VARS.fd; break
			fi
		done
		[ -n "$code" ] || { echo "run-qemu.sh: OVMF is not installed (apt-get install ovmf)" >&2; exit $EXIT_NO_QEMU; }
		# The variable store is written by the firmware: a private copy.
		cp "$vars" "$workdir/vars.fd"
		args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
			-drive "if=pflash,format=raw,unit=1,file=$workdir/vars.fd")
	fi
fi
[ -n "$qmp" ] && args+=(-qmp "unix:$qmp,server=on,wait=off")
# The gdb stub, the CPU stopped at reset until gdb says continue. The
# image keeps its symbols (build/APP.elf is not stripped; an ISO's is the
# ELF of the same name beside it).
if [ -n "$gdb_port" ]; then
	args+=(-gdb "tcp::$gdb_port" -S)
	symbols=${kernel:-${iso%.iso}.elf}
	[ -f "$symbols" ] || symbols=IMAGE.elf
fi
args+=("${extra[@]}")

if [ $dry_run = 1 ]; then
	printf '%q ' "$qemu" "${args[@]}"
	echo
	exit 0
fi

if [ -n "$gdb_port" ]; then
	{
		echo "run-qemu.sh: the VM waits for gdb on port $gdb_port; attach with:"
		echo "  gdb $(printf '%q' "$symbols") -ex 'target remote :$gdb_port'"
		echo "  (hbreak FUNCTION: breakpoints set before the image is loaded must be hardware ones)"
	} >&2
fi

if [ -n "$timeout_s" ]; then
	fg=
	[ -t 0 ] && fg=--foreground
	timeout $fg -k 5 "$timeout_s" "$qemu" "${args[@]}"
	rc=$?
	if [ $rc = 124 ] || [ $rc = 137 ]; then
		echo "run-qemu.sh: timeout: the VM was still running after ${timeout_s}s" >&2
		exit $EXIT_TIMEOUT
	fi
else
	"$qemu" "${args[@]}"
	rc=$?
fi

# isa-debug-exit: QEMU exits with (status << 1) | 1.
if [ $((rc & 1)) = 1 ] && [ $rc -lt 256 ]; then
	status=$((rc >> 1))
	if grep -aq "keel: exit status $status" "$log"; then
		exit $status
	fi
	if [ $rc = 1 ]; then
		echo "run-qemu.sh: QEMU failed (exit code 1) before the VM reported an exit status" >&2
		exit $EXIT_NO_QEMU
	fi
	# A status without the kernel's line: another guest, or a console
	# that lost it. The port is still the VM's own word.
	exit $status
fi
echo "run-qemu.sh: QEMU ended with exit code $rc without the VM's exit (reset, triple fault or power-off)" >&2
exit $EXIT_ABNORMAL
