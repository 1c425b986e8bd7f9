#!/usr/bin/env bash
# Writes a libvirt domain definition (XML, QEMU driver, TCG) that boots a
# Keel image as run-qemu.sh would: the PVH ELF through <kernel> with its
# command line (or a GRUB ISO from a CD-ROM under SeaBIOS), the serial
# console into a file, the isa-debug-exit port, and the devices asked for.
# The build writes one next to each image (build/APP.xml), tools/keel-build
# one into its output folder, and `run-qemu.sh --libvirt` prints one.
#
#   libvirt-xml.sh --name NAME (--kernel FILE | --iso FILE) --serial-log FILE
#                  [--append CMDLINE] [--mem SIZE] [--machine pc|q35]
#                  [--disk FILE]... [--net user[,OPTS] | --net tap=IFNAME]...
#                  [--device SPEC]... [--no-debug-exit]
#
# libvirt keeps QEMU's exit code to itself: the VM's status is the
# kernel's last line in the serial log, "keel: exit status N".
# Files are named by absolute paths (libvirtd does not run where we do).
# Exit status: 0, or 2 for bad usage.
set -u

die() {
	echo "libvirt-xml.sh: $*" >&2
	exit 2
}

# Text for an attribute or an element: the five characters XML reserves.
esc() {
	printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e "s/'/\\&apos;/g" -e 's/"/\&quot;/g'
}

# A size as QEMU's -m takes it (128M, 6G, 512; M by default) in MiB.
mebibytes() {
	case $1 in
	*[Gg]) n=${1%?} mult=1024 ;;
	*[Mm]) n=${1%?} mult=1 ;;
	*) n=$1 mult=1 ;;
	esac
	[[ $n =~ ^[0-9]+$ ]] || die "bad memory size '$1' (say 128M or 2G)"
	echo $((n * mult))
}

abs() { realpath -m -- "$1"; }

name= kernel= iso= serial_log= append= have_append=0 mem=128M machine=q35 debug_exit=1
disks=() nets=() devices=()
while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || case $1 in --no-debug-exit) ;; *) die "$1 needs a value" ;; esac
	case $1 in
	--name) name=$2 ;;
	--kernel) kernel=$(abs "$2") ;;
	--iso) iso=$(abs "$2") ;;
	--serial-log) serial_log=$(abs "$2") ;;
	--append) append=$2 have_append=1 ;;
	--mem) mem=$2 ;;
	--machine) machine=$2 ;;
	--disk) disks+=("$(abs "$2")") ;;
	--net) nets+=("$2") ;;
	--device) devices+=("$2") ;;
	--no-debug-exit) debug_exit=0; shift; continue ;;
	*) die "unknown option '$1'" ;;
	esac
	shift 2
done
[[ $name =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "--name must be letters, digits, '_', '.' or '-'"
[ -n "$kernel$iso" ] || die "give --kernel FILE or --iso FILE"
[ -n "$kernel" ] && [ -n "$iso" ] && die "give --kernel or --iso, not both"
[ -n "$serial_log" ] || die "give --serial-log FILE"
case $machine in pc | q35) ;; *) die "--machine is pc or q35 under libvirt" ;; esac
mib=$(mebibytes "$mem") || exit 2

# Devices libvirt has no element for, or whose options it does not
# pass (slirp's hostfwd), go to QEMU's command line as they are.
qemu_args=()
[ $debug_exit = 1 ] && qemu_args+=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
interfaces=()
for i in "${!nets[@]}"; do
	n=${nets[$i]}
	case $n in
	user) interfaces+=("user") ;;
	user,*) qemu_args+=(-netdev "$n,id=keelnet$i" -device "virtio-net-pci,netdev=keelnet$i") ;;
	tap=?*) interfaces+=("tap ${n#tap=}") ;;
	*) die "--net is user[,OPTS] or tap=IFNAME" ;;
	esac
done
for d in "${devices[@]}"; do
	qemu_args+=(-device "$d")
done

cat <<EOF
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>$(esc "$name")</name>
  <memory unit='MiB'>$mib</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='$machine'>hvm</type>
EOF
if [ -n "$kernel" ]; then
	echo "    <kernel>$(esc "$kernel")</kernel>"
	[ $have_append = 1 ] && echo "    <cmdline>$(esc "$append")</cmdline>"
else
	echo "    <boot dev='cdrom'/>"
fi
cat <<EOF
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <serial type='file'>
      <source path='$(esc "$serial_log")'/>
      <target port='0'/>
    </serial>
EOF
if [ -n "$iso" ]; then
	bus=sata
	[ "$machine" = pc ] && bus=ide
	cat <<EOF
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='$(esc "$iso")'/>
      <target dev='sda' bus='$bus'/>
      <readonly/>
    </disk>
EOF
fi
for i in "${!disks[@]}"; do
	cat <<EOF
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='$(esc "${disks[$i]}")'/>
      <target dev='vd$(printf "\\x$(printf %x $((0x61 + i)))")' bus='virtio'/>
    </disk>
EOF
done
for it in "${interfaces[@]}"; do
	if [ "$it" = user ]; then
		echo "    <interface type='user'>"
	else
		# A tap made beforehand (ip tuntap add ...): libvirt uses it as it
		# is. QEMU's own virtio-net, not vhost-net, which needs a device
		# not every host has.
		echo "    <interface type='ethernet'>"
		echo "      <target dev='$(esc "${it#tap }")' managed='no'/>"
	fi
	echo "      <model type='virtio'/>"
	echo "      <driver name='qemu'/>"
	echo "    </interface>"
done
cat <<EOF
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
EOF
if [ ${#qemu_args[@]} -gt 0 ]; then
	echo "  <qemu:commandline>"
	for a in "${qemu_args[@]}"; do
		echo "    <qemu:arg value='$(esc "$a")'/>"
	done
	echo "  </qemu:commandline>"
fi
echo "</domain>"
