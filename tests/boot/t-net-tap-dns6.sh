#!/usr/bin/env bash
# musl's getaddrinfo asking an IPv6 name server: a static IPv6 address and
# dns=fd00::1 from the command line, on a tap in a network namespace made
# for the test, where the host answers one name at fd00::1
# (tests/boot/dnsstub.py). Both of its addresses come back, and an
# unknown name fails.
#
#   t-net-tap-dns6.sh              the name server on the guest's link
#   t-net-tap-dns6.sh two-nics     two NICs: en0 with IPv4 alone (the
#                                  default interface), en1 with ip6= and
#                                  its router (gw6=); the name server
#                                  off en1's prefix (fd01::1), so the
#                                  queries, from a socket with no address
#                                  of its own, must leave by en1's router
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mode=${1:-}
tap_netns keel-dns6
name=keel-test.example v4=192.0.2.7 v6=2001:db8::7
if [ "$mode" = two-nics ]; then
	in_ns ip tuntap add dev ktap1 mode tap || fail "cannot make a second tap"
	in_ns ip link set ktap1 up
	in_ns ip addr add fd02::1/64 dev ktap1 nodad
	in_ns ip addr add fd01::1/128 dev lo
	server=fd01::1
	cmdline="net.en0=ip=10.0.4.15/24 net.en1=ip6=fd02::15/64,gw6=fd02::1,dns=$server"
	nics=(-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0
		-netdev tap,id=n1,ifname=ktap1,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n1)
else
	in_ns ip addr add fd00::1/64 dev ktap0 nodad
	server=fd00::1
	cmdline="net.en0=ip6=fd00::15/64,dns=$server"
	nics=(-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0)
fi
in_ns python3 tests/boot/dnsstub.py "$server" "$name" "$v4" "$v6" >"$tmp/dns" 2>&1 &
wait_for_line "$tmp/dns" '^dnsstub: serving' 10 || { cat "$tmp/dns"; fail "the DNS stub did not start"; }

# resolve NAME [ADDRESS...]: mtest's resolve command must pass.
resolve() {
	in_ns ./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 90 \
		--append "$cmdline net.wait=0 -- resolve $*" -- "${nics[@]}" </dev/null >"$tmp/out" 2>&1
	local rc=$?
	if [ $rc != 0 ] || ! grep -q 'mtest: resolve done, 0 failures' "$tmp/out"; then
		tr -d '\r' <"$tmp/out" | tail -20
		cat "$tmp/dns"
		fail "resolve $*: exit status $rc"
	fi
	tr -d '\r' <"$tmp/out" | grep -a 'net: dns\|mtest: .* is '
}
resolve "$name" "$v4" "$v6"
resolve nosuch.example
grep -q "dnsstub: $name type 28: 1 answers" "$tmp/dns" || fail "no AAAA query reached the DNS stub"
echo "PASS: names resolved through an IPv6 name server${mode:+ ($mode)}"
