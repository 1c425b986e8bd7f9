# Sourced by the benchmarks that measure a guest over the network
# (bench/net.sh, bench/http.sh): the host's clients installed from Debian,
# a network namespace with a tap device the guest sits on (QEMU's user
# network drops connections under load; there is no vhost here:
# vhost=off), the QEMU options of that network, and the wait for a guest
# to come to serve. The guest is $GUEST_IP, the host's end of the tap
# $HOST_IP. Needs root.

HOST_IP=10.0.3.1 GUEST_IP=10.0.3.2

# netns_need_root NAME: the script stops unless it runs as root.
netns_need_root() {
	[ "$(id -u)" = 0 ] || { echo "$1: needs root (a network namespace and a tap device)" >&2; exit 1; }
}

# netns_install LOG PACKAGE...: installs those of Debian's packages given
# that are missing (each given as COMMAND=PACKAGE), apt-get's output in LOG.
netns_install() {
	local log=$1 missing=() p
	shift
	for p in "$@"; do
		command -v "${p%%=*}" >/dev/null || missing+=("${p#*=}")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing ${missing[*]}..." >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1 ||
			{ tail "$log"; exit 1; }
	fi
}

# netns_up PREFIX: the namespace PREFIX-<pid> ($ns) with tap0 in it, the
# host's end $HOST_IP; removed, with the guest ($guest), however the
# script ends. in_ns runs a command in it.
guest=
netns_cleanup() {
	[ -n "$guest" ] && kill "$guest" 2>/dev/null && wait "$guest" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
}
in_ns() { ip netns exec "$ns" "$@"; }
netns_up() {
	ns=$1-$$
	trap netns_cleanup EXIT
	ip netns add "$ns"
	in_ns ip link set lo up
	in_ns ip tuntap add dev tap0 mode tap
	in_ns ip addr add "$HOST_IP/24" dev tap0
	in_ns ip link set tap0 up
}

# QEMU's options for a guest on that tap, memory aside.
netns_qemu_opts=(-accel tcg -M q35 -nodefaults -no-user-config -display none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56)

# guest_wait LOG READY WHY: waits for the guest just started ($guest,
# writing LOG) to print READY; true once it did, after one ping so the
# guest's ARP and the tap's link settle. False, with the first line of the
# log that matches the regular expression WHY in $why, when the guest
# stopped or 180 s passed; 2 when QEMU found the tap still held by the
# guest before it, within 10 s (the caller may start it again).
why=
guest_wait() {
	local log=$1 ready=$2 start=$SECONDS
	while ! grep -aq -- "$ready" "$log"; do
		if [ "${NETNS_RETRY_TAP:-0}" = 1 ] && grep -aq 'could not configure /dev/net/tun' "$log" &&
			[ $((SECONDS - start)) -lt 10 ]; then
			wait "$guest" 2>/dev/null || true
			sleep 1
			return 2
		fi
		if ! kill -0 "$guest" 2>/dev/null || [ $((SECONDS - start)) -ge 180 ]; then
			why=$(tr -d '\r' <"$log" | grep -a -m1 -E "$3" || echo "did not come to serve")
			guest_stop
			return 1
		fi
		sleep 0.2
	done
	in_ns ping -c 1 -W 5 "$GUEST_IP" >/dev/null 2>&1 || true
}
guest_stop() {
	if [ -n "$guest" ]; then
		kill "$guest" 2>/dev/null || true
		wait "$guest" 2>/dev/null || true
	fi
	guest=
	return 0
}
