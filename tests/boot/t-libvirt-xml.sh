#!/usr/bin/env bash
# The libvirt domains, without a daemon: what tools/libvirt-xml.sh writes
# for every kind of option is valid against libvirt's own schema
# (virt-xml-validate) and says what was asked (the command line with
# every character XML reserves, user and tap networks, slirp's hostfwd on
# QEMU's command line, disks vda and vdb, an ISO on pc's IDE); and
# run-qemu.sh --libvirt passes its options through, refusing those a
# domain cannot express, while --net tap= and --gdb shape QEMU's command.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
command -v virt-xml-validate >/dev/null || fail "virt-xml-validate is missing (libvirt-clients)"
X=tools/libvirt-xml.sh

cmdline="net.en0=dhcp -- a 'quoted' \"double\" <tag> & more"
$X --name keel-t1 --kernel build/ktest.elf --serial-log "$tmp/s.log" --append "$cmdline" --mem 1G \
	--disk "$tmp/a.img" --disk "$tmp/b.img" --net user --net "user,hostfwd=tcp:127.0.0.1:8080-:80" --net tap=ktap9 \
	--device virtio-rng-pci >"$tmp/t1.xml" || fail "libvirt-xml.sh failed"
virt-xml-validate "$tmp/t1.xml" domain >"$tmp/v1" 2>&1 || { cat "$tmp/v1" "$tmp/t1.xml"; fail "not a valid domain"; }
# The command line comes back whole through an XML reader.
got=$(python3 -c 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).find("os/cmdline").text)' "$tmp/t1.xml")
[ "$got" = "$cmdline" ] || fail "the command line reads back as '$got'"
for want in "<kernel>$PWD/build/ktest.elf</kernel>" "<memory unit='MiB'>1024</memory>" \
	"<source path='$tmp/s.log'/>" "<source file='$tmp/a.img'/>" "<target dev='vda' bus='virtio'/>" \
	"<target dev='vdb' bus='virtio'/>" "<interface type='user'>" "<target dev='ktap9' managed='no'/>" \
	"<qemu:arg value='user,hostfwd=tcp:127.0.0.1:8080-:80,id=keelnet1'/>" "<qemu:arg value='virtio-rng-pci'/>" \
	"<qemu:arg value='isa-debug-exit,iobase=0xf4,iosize=0x04'/>" "<on_crash>destroy</on_crash>"; do
	grep -qF "$want" "$tmp/t1.xml" || fail "the domain lacks $want"
done

$X --name keel-t2 --iso build/ktest.iso --machine pc --serial-log "$tmp/s.log" --no-debug-exit >"$tmp/t2.xml" ||
	fail "libvirt-xml.sh --iso failed"
virt-xml-validate "$tmp/t2.xml" domain >"$tmp/v2" 2>&1 || { cat "$tmp/v2"; fail "the ISO's domain is not valid"; }
grep -q "<target dev='sda' bus='ide'/>" "$tmp/t2.xml" || fail "no IDE CD-ROM on pc"
grep -q "qemu:commandline" "$tmp/t2.xml" && fail "--no-debug-exit still adds QEMU arguments"

$X --name 'bad name' --kernel x --serial-log y >/dev/null 2>&1 && fail "a name with a space was taken"
$X --name ok --kernel x --serial-log y --mem lots >/dev/null 2>&1 && fail "a bad memory size was taken"

# run-qemu.sh --libvirt: the options through, the refusals with status 203.
./run-qemu.sh --libvirt --kernel build/ktest.elf --append "x" --net tap=ktap9 --disk "$tmp/a.img" >"$tmp/r.xml" ||
	fail "run-qemu.sh --libvirt failed"
grep -q "<name>keel-ktest</name>" "$tmp/r.xml" && grep -q "<source path='$PWD/build/ktest.serial.log'/>" "$tmp/r.xml" ||
	fail "run-qemu.sh --libvirt: not the image's name and log"
virt-xml-validate "$tmp/r.xml" domain >/dev/null 2>&1 || fail "run-qemu.sh --libvirt: not a valid domain"
for bad in "--qmp $tmp/q" --gdb --uefi "--cpu max" "--machine microvm"; do
	# shellcheck disable=SC2086
	./run-qemu.sh --libvirt --kernel build/ktest.elf $bad >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 203 ] && grep -q "cannot express\|microvm\|--uefi boots an ISO" "$tmp/err" || {
		cat "$tmp/err"
		fail "--libvirt $bad: status $rc"
	}
done

# The QEMU command for --net tap= and --gdb.
./run-qemu.sh --dry-run --kernel build/ktest.elf --net tap=ktap9 --gdb=4321 >"$tmp/cmd"
grep -q -- "-netdev tap\\\\,id=net0\\\\,ifname=ktap9\\\\,script=no\\\\,downscript=no\\\\,vhost=off" "$tmp/cmd" ||
	{ cat "$tmp/cmd"; fail "--net tap= is not QEMU's tap back end"; }
grep -q -- "-gdb tcp::4321 -S" "$tmp/cmd" || fail "--gdb=4321 is not QEMU's stub on 4321"
./run-qemu.sh --dry-run --kernel build/ktest.elf --net tap= >/dev/null 2>&1
[ $? = 203 ] || fail "--net tap= without a name was taken"
./run-qemu.sh --dry-run --kernel build/ktest.elf --gdb=70000 >/dev/null 2>&1
[ $? = 203 ] || fail "--gdb=70000 was taken"
echo "PASS: valid domains for every option, refusals where a domain cannot follow"
