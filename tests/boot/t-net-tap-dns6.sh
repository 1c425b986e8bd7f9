#!/usr/bin/env bash
# musl's getaddrinfo asking an IPv6 name server: a static IPv6 address and
# dns=fd00::1 from the command line, on a tap in a network namespace made
# for the test, where the host answers one name at fd00::1
# (tests/boot/dnsstub.py). Both of its addresses come back, and an
# unknown name fails.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
tap_netns keel-dns6
in_ns ip addr add fd00::1/64 dev ktap0 nodad
name=keel-test.example v4=192.0.2.7 v6=2001:db8::7
in_ns python3 tests/boot/dnsstub.py fd00::1 "$name" "$v4" "$v6" >"$tmp/dns" 2>&1 &
wait_for_line "$tmp/dns" '^dnsstub: serving' 10 || { cat "$tmp/dns"; fail "the DNS stub did not start"; }

# resolve NAME [ADDRESS...]: mtest's resolve command must pass.
resolve() {
	in_ns ./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 90 \
		--append "net.en0=ip6=fd00::15/64,dns=fd00::1 net.wait=0 -- resolve $*" -- \
		-netdev tap,id=n0,ifname=ktap0,script=no,downscript=no,vhost=off \
		-device virtio-net-pci,netdev=n0 </dev/null >"$tmp/out" 2>&1
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
echo "PASS: names resolved through an IPv6 name server"
