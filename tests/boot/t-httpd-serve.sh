#!/usr/bin/env bash
# The appliance (apps/httpd: lighttpd on a KeelFS disk) serves curl and
# wrk on the host, over virtio-net on a tap in a network namespace this
# script makes (root, ip and /dev/net/tun needed; the guest is 10.0.3.2,
# the host's end 10.0.3.1, set on the kernel command line). The disk is
# made here from the appliance's own (build/httpd/disk), with what a check
# adds; the guest has the memory the appliance is meant to boot in, 8 MiB,
# with the appliance's 1 MiB stack (apps/httpd/app.mk).
#
#   t-httpd-serve.sh site    the index as it is in apps/httpd/site (over IPv4
#                            and over IPv6), a missing
#                            file's 404, a range (206 and its bytes), two
#                            requests on one connection, a folder listed,
#                            a PUT under /upload/ read back
#   t-httpd-serve.sh big     a 50 MiB file of random bytes, made now, comes
#                            back with the same SHA-256
#   t-httpd-serve.sh many    that file to 4 clients at once, 2 of them slow
#                            readers (each TCP connection may hold a 1 MiB
#                            send buffer of the guest's 8 MiB): all 4 whole
#   t-httpd-serve.sh wrk     wrk, 50 connections for 5 s on the index: no
#                            socket error, no answer but 2xx
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
check=$1
MEM=${KEEL_HTTPD_MEM:-8M}
HOST_IP=10.0.3.1 GUEST_IP=10.0.3.2
URL=http://$GUEST_IP
for c in ip curl sha256sum; do
	command -v "$c" >/dev/null || fail "$c is not installed"
done
[ "$check" != wrk ] || command -v wrk >/dev/null || fail "wrk is not installed"
[ -d build/httpd/disk ] && [ -x build/keelfs ] || fail "build/httpd/disk or build/keelfs is missing (make APP=httpd)"

# The disk: the appliance's files, and for "big" a file made now (never
# kept in the repository).
cp -r build/httpd/disk "$tmp/disk"
size=64M
if [ "$check" = big ] || [ "$check" = many ]; then
	head -c $((50 << 20)) /dev/urandom >"$tmp/disk/www/big.bin"
	size=128M
fi
build/keelfs mkfs "$tmp/site.img" $size "$tmp/disk" >"$tmp/mkfs" 2>&1 || { cat "$tmp/mkfs"; fail "keelfs mkfs failed"; }

ns=keel-httpd-$$
in_ns() { ip netns exec "$ns" "$@"; }
ip netns add "$ns" || fail "cannot make a network namespace"
# QEMU itself is stopped (run-qemu.sh would leave it running), then the
# namespace removed.
trap 'kill "$(qemu_pid_with "$tmp/serial.log")" 2>/dev/null; cleanup; ip netns del "$ns" 2>/dev/null' EXIT
in_ns ip link set lo up
in_ns ip tuntap add dev tap0 mode tap
in_ns ip addr add "$HOST_IP/24" dev tap0
in_ns ip link set tap0 up

in_ns ./run-qemu.sh --kernel build/httpd.elf --accel tcg --timeout 250 --mem "$MEM" --serial-log "$tmp/serial.log" \
	--disk "$tmp/site.img" --append "net.en0=ip=$GUEST_IP/24,gw=$HOST_IP stack=1M -- -D -f /lighttpd.conf" -- \
	-netdev tap,id=n0,ifname=tap0,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0 \
	</dev/null >"$tmp/out" 2>&1 &
qemu=$!
shown() { tr -d '\r' <"$tmp/out" | sed -n '/^keel: main after /,$p' | tail -30; }
wait_for_line "$tmp/out" 'server started|keel: exit status' 120 || { shown; fail "lighttpd did not start in 120 s"; }
grep -aq 'server started' "$tmp/out" || { shown; fail "lighttpd stopped"; }

# curl in the namespace, bounded; prints what -w asks for.
get() { in_ns curl -sS -m 60 "$@"; }

case $check in
site)
	get -o "$tmp/index" "$URL/" || fail "GET / failed"
	cmp -s "$tmp/index" apps/httpd/site/index.html || fail "GET / is not apps/httpd/site/index.html"
	echo "index: $(wc -c <"$tmp/index") bytes, as in apps/httpd/site/index.html"

	# Over IPv6 too, at the guest's link-local address on the tap, once
	# duplicate detection let it go (about a second after the boot).
	in_ns ping -6 -c 1 -w 30 fe80::5054:ff:fe12:3456%tap0 >/dev/null 2>&1
	get -g -o "$tmp/index6" "http://[fe80::5054:ff:fe12:3456%25tap0]/" || fail "GET / over IPv6 failed"
	cmp -s "$tmp/index6" apps/httpd/site/index.html || fail "GET / over IPv6 is not apps/httpd/site/index.html"
	echo "index over IPv6: the same"

	code=$(get -o /dev/null -w '%{http_code}' "$URL/no-such-page.html")
	[ "$code" = 404 ] || fail "a missing file answered $code, not 404"
	echo "missing file: 404"

	# Bytes 100..199 of the about page.
	code=$(get -o "$tmp/range" -w '%{http_code}' -r 100-199 "$URL/about.html")
	[ "$code" = 206 ] || fail "a range request answered $code, not 206"
	tail -c +101 apps/httpd/site/about.html | head -c 100 >"$tmp/want"
	cmp -s "$tmp/range" "$tmp/want" || fail "the range's bytes are not bytes 100-199 of about.html"
	echo "range 100-199: 206, the right 100 bytes"

	get -v -o /dev/null -o /dev/null "$URL/" "$URL/about.html" 2>"$tmp/keepalive" || fail "two GETs on one connection failed"
	grep -q 'Re-using existing connection' "$tmp/keepalive" || { cat "$tmp/keepalive"; fail "curl did not re-use its connection"; }
	[ "$(grep -c '^< HTTP/1.1 200' "$tmp/keepalive")" = 2 ] || fail "the two requests were not both answered 200"
	echo "keep-alive: two requests, one connection"

	get -o "$tmp/listing" "$URL/docs/" || fail "GET /docs/ failed"
	grep -q 'Docs' "$tmp/listing" || fail "/docs/ is not its index"
	get -o "$tmp/listing" "$URL/upload/" || fail "GET /upload/ failed"
	grep -q 'README.txt' "$tmp/listing" || fail "the listing of /upload/ does not name README.txt"
	echo "folders: an index, a listing"

	head -c 100000 /dev/urandom >"$tmp/put"
	code=$(get -o /dev/null -w '%{http_code}' -T "$tmp/put" "$URL/upload/put.bin")
	[ "$code" = 201 ] || fail "PUT answered $code, not 201"
	get -o "$tmp/back" "$URL/upload/put.bin" || fail "GET of the PUT file failed"
	cmp -s "$tmp/put" "$tmp/back" || fail "the file PUT does not come back the same"
	echo "PUT /upload/put.bin: 201, read back the same"
	;;
big)
	want=$(sha256sum <"$tmp/disk/www/big.bin" | cut -d' ' -f1)
	start=$(date +%s.%N)
	got=$(get "$URL/big.bin" | sha256sum | cut -d' ' -f1)
	end=$(date +%s.%N)
	[ "$got" = "$want" ] || { shown; fail "big.bin's SHA-256 is $got, not $want"; }
	echo "50 MiB file: SHA-256 $want, in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
	;;
many)
	want=$(sha256sum <"$tmp/disk/www/big.bin" | cut -d' ' -f1)
	pids=()
	for i in 1 2 3 4; do
		rate=()
		[ $i -le 2 ] && rate=(--limit-rate 5M)
		(get -m 100 "${rate[@]}" "$URL/big.bin" | sha256sum | cut -d' ' -f1 >"$tmp/got$i") &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in 1 2 3 4; do
		[ "$(cat "$tmp/got$i")" = "$want" ] || { shown; fail "client $i's copy of big.bin has SHA-256 $(cat "$tmp/got$i"), not $want"; }
	done
	echo "50 MiB file to 4 clients at once, 2 of them slow: all 4 with SHA-256 $want"
	;;
wrk)
	in_ns timeout 60 wrk -t 2 -c 50 -d 5s "$URL/" >"$tmp/wrk" 2>&1 || { cat "$tmp/wrk"; fail "wrk failed"; }
	cat "$tmp/wrk"
	grep -q 'Requests/sec' "$tmp/wrk" || fail "wrk reported no rate"
	! grep -q 'Socket errors' "$tmp/wrk" || fail "wrk met socket errors"
	! grep -q 'Non-2xx' "$tmp/wrk" || fail "wrk had answers other than 2xx"
	n=$(awk '/requests in/ { print $1 }' "$tmp/wrk")
	[ "${n:-0}" -gt 0 ] || fail "wrk completed no request"
	echo "wrk: $n requests, no error, all 2xx"
	;;
*) fail "no such check: $check" ;;
esac
# The server is still there, and made no call Keel does not know.
kill -0 $qemu 2>/dev/null || { shown; fail "the guest ended during the test"; }
! grep -aq 'is not implemented' "$tmp/out" || { grep -a 'is not implemented' "$tmp/out"; fail "a system call Keel does not know"; }
echo "PASS: $check"
exit 0
