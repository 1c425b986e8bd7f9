#!/usr/bin/env bash
# musl's getaddrinfo in a Keel image resolves names through the files the
# network stack generates: "localhost" from /etc/hosts, and a name from
# the DNS server /etc/resolv.conf names (the user network's 10.0.2.3,
# from DHCP), which QEMU forwards to the host's resolver.
#
# The host's resolver has no network here, so the test brings its own:
# in a network namespace of its own it gives the loopback the address of
# the nameserver the host's /etc/resolv.conf names (where QEMU's slirp
# sends the guest's queries) and answers there one name with a DNS stub
# (tests/boot/dnsstub.py). A name it does not know must fail to resolve.
#   t-sock-resolve.sh
set -u
cd "$(dirname "$0")/../.."
if [ -z "${KEEL_SOCK_NETNS:-}" ]; then
	unshare -n true 2>/dev/null || { echo "SKIP: no network namespace (unshare -n)"; exit 0; }
	exec unshare -n env KEEL_SOCK_NETNS=1 "$0" "$@"
fi
ip link set lo up || exit 1
source tests/boot/lib.sh

ns=$(awk '$1 == "nameserver" { print $2; exit }' /etc/resolv.conf)
[[ $ns =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || ns=10.255.255.53
case $ns in 127.*) ;; *) ip addr add "$ns/32" dev lo || fail "cannot give the loopback $ns" ;; esac
name=keel-test.example v4=192.0.2.7 v6=2001:db8::7
python3 tests/boot/dnsstub.py "$ns" "$name" "$v4" "$v6" >"$tmp/dns" 2>&1 &
wait_for_line "$tmp/dns" '^dnsstub: serving' 10 || { cat "$tmp/dns"; fail "the DNS stub did not start"; }

# resolve NAME [ADDRESS...]: mtest's resolve command must pass.
resolve() {
	./run-qemu.sh --kernel build/mtest.elf --accel tcg --timeout 60 --net user --append "resolve $*" \
		</dev/null >"$tmp/out" 2>&1
	local rc=$?
	if [ $rc != 0 ] || ! grep -q 'mtest: resolve done, 0 failures' "$tmp/out"; then
		tr -d '\r' <"$tmp/out" | tail -20
		cat "$tmp/dns"
		fail "resolve $*: exit status $rc"
	fi
	grep 'mtest: .* is ' "$tmp/out" | tr -d '\r'
}
resolve localhost 127.0.0.1 ::1
resolve "$name" "$v4" "$v6"
resolve nosuch.example
grep -q "dnsstub: $name type 1: 1 answers" "$tmp/dns" || fail "no A query reached the DNS stub"
grep -q "dnsstub: $name type 28: 1 answers" "$tmp/dns" || fail "no AAAA query reached the DNS stub"
echo "PASS: localhost from /etc/hosts, $name from DNS through the user network ($ns), NXDOMAIN for another name"
