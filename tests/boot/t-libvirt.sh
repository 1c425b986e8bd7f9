#!/usr/bin/env bash
# Keel under libvirt's QEMU driver, as a fleet would run it: the domain
# tools/keel-build writes next to an appliance (PVH ELF with its command
# line, a KeelFS disk, virtio-net on the user network), and the one
# `run-qemu.sh --libvirt` prints, each defined, started, read and
# undefined with virsh.
#
# libvirt keeps QEMU's exit code to itself: the VM's verdict is the
# kernel's last line in the serial log, "keel: exit status N", and the
# domain must have ended on its own (shut off).
#
# The daemons (virtlogd, libvirtd) are this test's own: started in a
# mount namespace of its own, where libvirt's configuration, state, logs
# and sockets are private folders, and where the QEMU driver's user and
# groups (which Debian's libvirt-daemon-system would create) and
# `user = "root"` are given without changing the machine. Everything
# started is stopped at the end.
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.."

if [ "${KEEL_LIBVIRT_NS:-}" != 1 ]; then
	for c in virsh libvirtd virtlogd unshare; do
		command -v $c >/dev/null || { echo "FAIL: $c is missing (tools/install-deps.sh test installs it)"; exit 1; }
	done
	[ "$(id -u)" = 0 ] || { echo "FAIL: libvirt's system daemon needs root"; exit 1; }
	KEEL_LIBVIRT_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

source tests/boot/lib.sh
top=$PWD
VIRSH=(virsh -q -c qemu:///system)

# --- the private libvirt -------------------------------------------------------
mkdir -p "$tmp/etc" "$tmp/state"
cp -a /etc/libvirt/. "$tmp/etc/"
printf 'user = "root"\ngroup = "root"\n' >"$tmp/etc/qemu.conf"
cp /etc/passwd "$tmp/passwd"
cp /etc/group "$tmp/group"
getent passwd libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:64055:libvirt:/var/lib/libvirt:/usr/sbin/nologin' >>"$tmp/passwd"
getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$tmp/group"
getent group kvm >/dev/null || echo 'kvm:x:64056:' >>"$tmp/group"
mount --bind "$tmp/etc" /etc/libvirt || fail "cannot mount a private /etc/libvirt"
mount --bind "$tmp/passwd" /etc/passwd && mount --bind "$tmp/group" /etc/group || fail "cannot mount private user lists"
for d in /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
	mkdir -p "$d" && mount -t tmpfs keel-libvirt "$d" || fail "cannot mount a private $d"
done

virtlogd >"$tmp/virtlogd.log" 2>&1 &
libvirtd >"$tmp/libvirtd.log" 2>&1 &
domains=()
# Before lib.sh's cleanup stops the daemons: any domain still running is
# destroyed (QEMU would outlive libvirtd), and every one undefined.
stop_domains() {
	local d
	for d in "${domains[@]}"; do
		"${VIRSH[@]}" destroy "$d" >/dev/null 2>&1
		"${VIRSH[@]}" undefine "$d" >/dev/null 2>&1
	done
	cleanup
}
trap stop_domains EXIT
for _ in $(seq 100); do
	"${VIRSH[@]}" version >/dev/null 2>&1 && break
	sleep 0.2
done
"${VIRSH[@]}" version >/dev/null 2>&1 || { tail -20 "$tmp/libvirtd.log"; fail "libvirtd did not answer within 20 s"; }

# run_domain XML NAME SERIAL-LOG STATUS: defines, starts and waits (60 s at
# most) for the domain to end; its serial log must end with STATUS.
run_domain() {
	local xml=$1 name=$2 log=$3 want=$4 state=
	domains+=("$name")
	"${VIRSH[@]}" define "$xml" >"$tmp/define.log" 2>&1 || { cat "$tmp/define.log"; fail "virsh define $name"; }
	"${VIRSH[@]}" start "$name" >"$tmp/start.log" 2>&1 || {
		cat "$tmp/start.log"
		tail -20 "/var/log/libvirt/qemu/$name.log"
		fail "virsh start $name"
	}
	for _ in $(seq 300); do
		state=$("${VIRSH[@]}" domstate "$name" --reason 2>&1)
		[[ $state == running* ]] || break
		sleep 0.2
	done
	[[ $state == "shut off"* ]] || fail "$name: still '$state' after 60 s"
	tr -d '\r' <"$log" >"$tmp/serial.txt"
	status=$(sed -n 's/^keel: exit status \([0-9]*\)$/\1/p' "$tmp/serial.txt" | tail -1)
	[ "$status" = "$want" ] || { tail -20 "$tmp/serial.txt"; fail "$name: exit status '$status' in its serial log, not $want"; }
	"${VIRSH[@]}" undefine "$name" >/dev/null 2>&1 || fail "virsh undefine $name"
	"${VIRSH[@]}" list --all --name | grep -qx "$name" && fail "$name is still defined"
	echo "$name: $state, exit status $status"
}

# --- the domain keel-build writes: the appliance with its disk and network -----
cp -r tests/outoftree "$tmp/app"
(cd "$tmp/app" && "$top/tools/keel-build" -o "$tmp/out" --name oot-libvirt --drivers "virtio-blk virtio-net" \
	--cmdline "-- /data/greeting" --disk-dir disk main.c words.c) >"$tmp/build.log" 2>&1 ||
	{ tail -30 "$tmp/build.log"; fail "keel-build failed"; }
run_domain "$tmp/out/oot-libvirt.xml" keel-oot-libvirt "$tmp/out/oot-libvirt.serial.log" 8
grep -q '^outoftree: /data/greeting: hello from a disk made outside the tree$' "$tmp/serial.txt" ||
	fail "the appliance did not read its disk under libvirt"
grep -q '^virtio-net0: ' "$tmp/serial.txt" || fail "no virtio-net device under libvirt"

# --- the domain run-qemu.sh --libvirt prints -------------------------------------
./run-qemu.sh --libvirt --kernel "$KTEST" --machine pc --mem 64M --serial-log "$tmp/ktest.log" \
	--append "exit 42" >"$tmp/ktest.xml" || fail "run-qemu.sh --libvirt failed"
grep -q "<name>keel-ktest</name>" "$tmp/ktest.xml" || fail "run-qemu.sh --libvirt: the domain is not named keel-ktest"
run_domain "$tmp/ktest.xml" keel-ktest "$tmp/ktest.log" 42
echo "PASS: both domains ran under libvirt, ended on their own and said their status"
