#!/usr/bin/env bash
# The soak: Keel appliances under load at once, for DURATION seconds, on a
# network that loses and delays packets, with a disk written beside them.
#
#   bench/soak.sh [--write] DURATION
#
# Keel runs one application per VM, so the soak boots three VMs on one
# bridge and loads them at the same time from the host:
#
#   web     the HTTP appliance (apps/httpd: lighttpd serving its site from
#           a KeelFS disk) under wrk, 16 connections, for the whole run,
#           and beside it a client writing to its disk through WebDAV: PUT
#           of random files under /upload/ (16 names rewritten in turn),
#           each read back with GET and compared (bench/soak.py put); at
#           the end its disk must pass `keelfs fsck`. lighttpd's idle
#           keep-alive limit is raised on the soak's copy of the disk from
#           5 s to 60 s: on a lossy link a response can wait seconds for
#           lwIP's retransmission, and a server closing an idle keep-alive
#           connection just as the client sends its next request is a race
#           of HTTP itself, which wrk would count as a read error.
#           Where apps/httpd is not in the tree or cannot be built (its
#           Debian source missing from a mirror): Redis (apps/redis) under
#           redis-benchmark, 16 clients, SET and GET over and over.
#   stream  iperf 2's server (apps/iperf2) under Debian's iperf client,
#           for the whole run. Where apps/iperf2 is not in the tree or
#           cannot be built: the TCP echo server (apps/echo), through which
#           the host streams random bytes and checks every byte that comes
#           back (bench/soak.py stream).
#   disk    mtest's fsync-cycle (tests/apps/mtest/fscrash.c) on a KeelFS
#           disk of its own: files written, fsynced with their directory
#           and rewritten over 64 names, without end; killed at the end of
#           the run, then `keelfs fsck` must find the disk clean and every
#           file the guest reported synced must be whole (bench/soak.py
#           disk).
#
# The network: a namespace for the guests (a bridge, a tap per VM) and one
# for the host's clients (10.0.4.1), joined by a veth pair, both made and
# removed by the script. Packet loss and delay are injected on that link,
# both ways: with `tc qdisc ... netem loss 1% delay 5ms` on both ends of the
# veth where the host's kernel has netem; where it has not (CONFIG_NET_SCH_NETEM
# off, as on some CI kernels), the loss is an nftables rule on both ends
# (numgen random: 1% of frames dropped at ingress) and the delay QEMU's
# filter-buffer on each guest's network device, which holds frames of
# both directions and releases them every 10 ms (5 ms on average). The
# table says which was used.
#
# Every guest prints a memory report every few seconds (kernel option
# mem.report, kernel/memreport.h). The heap's rule (bench/soak.py
# heap_verdict): the first quarter of the reports is warm-up; after it,
# the least heap in use over the last quarter of the reports may exceed
# the least over the first quarter by at most 10% + 64 KiB (floors, so
# that reports caught in peaks, such as a KeelFS commit's staging buffer,
# which a guest syncing back to back holds most of the time, are not
# taken for growth; a leak raises the floor). The heap
# judged leaves out KeelFS's block cache (its block count is in the
# report), which fills up to its bound as a disk is used: a disk-serving
# appliance's heap grows by it for minutes without leaking. KeelFS's
# file-data cache (kfs_data_blocks) fills pages, not the heap.
#
# The soak fails (exit 1) on any of: a guest that does not come up or
# stops before the end; wrk's non-2xx responses, socket errors or
# timeouts (redis-benchmark's errors); a stream that breaks, corrupts or
# moves nothing; a disk that fsck does not pass or a synced file not
# whole; a heap that grows; a line in a serial log that says "assert",
# "panic", "CPU exception" or "fault" (the kernel's reports of a broken
# invariant or a faulting guest). Prints a table; with --write, also puts
# it in bench/README.md. Needs root (namespaces, taps, nftables or tc).
set -euo pipefail
cd "$(dirname "$0")/.."

write=0
while [ $# -gt 0 ]; do
	case $1 in
	--write) write=1; shift ;;
	-*) echo "usage: bench/soak.sh [--write] DURATION" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# = 1 ] && [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge 40 ] ||
	{ echo "usage: bench/soak.sh [--write] DURATION (seconds, at least 40)" >&2; exit 2; }
duration=$1
[ "$(id -u)" = 0 ] || { echo "bench/soak.sh: needs root (network namespaces, taps, packet loss)" >&2; exit 1; }

LOSS_PCT=1 DELAY_MS=5
HOST_IP=10.0.4.1
declare -A ip=([web]=10.0.4.10 [stream]=10.0.4.11 [disk]=10.0.4.12)
declare -A mac=([web]=52:54:00:4b:00:0a [stream]=52:54:00:4b:00:0b [disk]=52:54:00:4b:00:0c)
# A report every duration/40 seconds (at least 1): about 40 per run.
interval=$((duration / 40 > 0 ? duration / 40 : 1))
SLOTS=64
# What the kernel prints for a broken invariant or a fault (as whole
# words: "default" is not a fault).
FAULT_WORDS='\b(assert|assertion|panic|fault|faults|faulting)\b|CPU exception'
out=$(mktemp -d "${TMPDIR:-/tmp}/keel-soak.XXXXXX")
# The guests, the clients and the namespaces go however the script ends.
nsg=keel-soak-g-$$ nsc=keel-soak-c-$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$nsg" 2>/dev/null || true
	ip netns del "$nsc" 2>/dev/null || true
	# KEEP_LOGS=1 keeps the guests' logs and the disk for a look.
	[ "${KEEP_LOGS:-0}" = 1 ] || rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "bench/soak.sh: ${duration} s; logs in $out" >&2

# --- what to run --------------------------------------------------------------------
# The host's clients, from Debian.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v iperf >/dev/null || missing+=(iperf)
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v ip >/dev/null || missing+=(iproute2)
command -v nft >/dev/null || missing+=(nftables)
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing ${missing[*]}..." >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >"$out/apt.log" 2>&1 ||
		{ tail "$out/apt.log"; exit 1; }
fi

# build APP: true when the image is built (its log in $out).
build() { make -s APP=$1 all >"$out/build-$1.log" 2>&1; }
# The appliance and iperf 2 when they build (their Debian sources may be
# missing from a mirror), else the stand-ins the header names.
web=redis stream=echo
[ -f apps/httpd/app.mk ] && build httpd && web=httpd
[ -f apps/iperf2/app.mk ] && build iperf2 && stream=iperf2
for app in $web $stream mtest; do
	build $app || { tail -20 "$out/build-$app.log"; echo "bench/soak.sh: cannot build $app" >&2; exit 1; }
done
make -s keelfs >/dev/null

# --- the network ------------------------------------------------------------------
ip netns add "$nsg"
ip netns add "$nsc"
in_g() { ip netns exec "$nsg" "$@"; }
in_c() { ip netns exec "$nsc" "$@"; }
in_g ip link set lo up
in_c ip link set lo up
in_g ip link add br0 type bridge
in_g ip link set br0 up
in_g ip link add veth-g type veth peer name veth-c netns "$nsc"
in_g ip link set veth-g master br0 up
in_c ip addr add "$HOST_IP/24" dev veth-c
in_c ip link set veth-c up
for vm in web stream disk; do
	in_g ip tuntap add dev "tap-$vm" mode tap
	in_g ip link set "tap-$vm" master br0 up
done
# Late clients retry rather than being answered with a cookie.
in_c sysctl -qw net.ipv4.tcp_syncookies=0

qemu_filter=()
if in_g tc qdisc add dev veth-g root netem loss ${LOSS_PCT}% delay ${DELAY_MS}ms 2>/dev/null &&
	in_c tc qdisc add dev veth-c root netem loss ${LOSS_PCT}% delay ${DELAY_MS}ms 2>/dev/null; then
	impair="tc netem loss ${LOSS_PCT}% delay ${DELAY_MS} ms, both ways"
else
	in_g tc qdisc del dev veth-g root 2>/dev/null || true
	# Frames dropped as they arrive at either end of the link.
	for side in g c; do
		ip netns exec "keel-soak-$side-$$" nft -f - <<-EOF
			table netdev soak {
				chain loss {
					type filter hook ingress device "veth-$side" priority 0; policy accept;
					numgen random mod 1000 < $((LOSS_PCT * 10)) counter drop
				}
			}
		EOF
	done
	qemu_filter=(-object "filter-buffer,id=delay0,netdev=n0,queue=all,interval=$((DELAY_MS * 2000))")
	impair="loss ${LOSS_PCT}% both ways (nftables; this kernel has no netem), delay 0-$((DELAY_MS * 2)) ms (${DELAY_MS} ms on average) both ways (QEMU filter-buffer)"
fi

# --- the guests ---------------------------------------------------------------------
# guest_start NAME ELF DISK ARGS...: boots a VM in the guests' namespace,
# its serial console in $out/NAME.log.
guest_start() {
	local name=$1 elf=$2 disk=$3
	shift 3
	local drive=()
	[ -n "$disk" ] && drive=(-drive "file=$disk,format=raw,if=none,id=d0" -device virtio-blk-pci,drive=d0)
	ip netns exec "$nsg" qemu-system-x86_64 -accel tcg -M q35 -m 256M -nodefaults -no-user-config -display none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial "file:$out/$name.log" \
		-netdev "tap,id=n0,ifname=tap-$name,script=no,downscript=no,vhost=off" \
		-device "virtio-net-pci,netdev=n0,mac=${mac[$name]}" "${qemu_filter[@]}" "${drive[@]}" \
		-kernel "$elf" -append "$*" </dev/null >"$out/$name.qemu" 2>&1 &
	pids+=($!)
	eval "pid_$name=$!"
}
# wait_ready NAME PATTERN: until the guest's log has PATTERN (120 s at most).
wait_ready() {
	local start=$SECONDS
	until grep -aEq -- "$2" "$out/$1.log" 2>/dev/null; do
		if ! kill -0 "$(eval echo "\$pid_$1")" 2>/dev/null || [ $((SECONDS - start)) -ge 120 ]; then
			echo "bench/soak.sh: $1 did not come up:" >&2
			tr -d '\r' <"$out/$1.log" | tail -20 >&2
			cat "$out/$1.qemu" >&2
			exit 1
		fi
		sleep 0.2
	done
}
opts() { echo "mem.report=$interval net.en0=ip=${ip[$1]}/24,gw=$HOST_IP"; }

case $web in
httpd)
	cp build/httpd/site.img "$out/site.img"
	build/keelfs get "$out/site.img" /lighttpd.conf "$out/lighttpd.conf"
	echo 'server.max-keep-alive-idle = 60' >>"$out/lighttpd.conf"
	build/keelfs put "$out/site.img" "$out/lighttpd.conf" /lighttpd.conf
	guest_start web build/httpd.elf "$out/site.img" "$(opts web) -- -D -f /lighttpd.conf"
	web_ready='keel: main after'
	;;
redis)
	guest_start web build/redis.elf "" "$(opts web) -- --save '' --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0"
	web_ready='Ready to accept connections'
	;;
esac
case $stream in
iperf2)
	guest_start stream build/iperf2.elf "" "$(opts stream) -- -s"
	stream_ready='Server listening on TCP port'
	;;
echo)
	guest_start stream build/echo.elf "" "$(opts stream) -- 7"
	stream_ready='echo: ready on port'
	;;
esac
build/keelfs mkfs "$out/disk.img" 256M >"$out/mkfs.log" 2>&1 || { cat "$out/mkfs.log"; exit 1; }
guest_start disk build/mtest.elf "$out/disk.img" "$(opts disk) root=vda -- fsync-cycle /soak $SLOTS"
wait_ready web "$web_ready"
wait_ready stream "$stream_ready"
wait_ready disk '^synced 0'
# Until the web guest answers (lighttpd logs nothing when it is ready).
start=$SECONDS
until in_c bash -c "exec 3<>/dev/tcp/${ip[web]}/$([ $web = httpd ] && echo 80 || echo 6379)" 2>/dev/null; do
	[ $((SECONDS - start)) -ge 60 ] && { echo "bench/soak.sh: the web guest does not accept connections" >&2; exit 1; }
	sleep 0.5
done

# --- the load -----------------------------------------------------------------------
echo "bench/soak.sh: load for ${duration} s ($impair)" >&2
clients=()
case $web in
httpd)
	# A generous timeout: lwIP's retransmission timer counts in half
	# seconds and doubles at each try, so a response lost three times in a
	# row (once in a few hundred thousand at 1%) comes after 10-20 s; that
	# is the network's doing, not an error.
	ip netns exec "$nsc" wrk -t 2 -c 16 -d "${duration}s" --timeout 30s "http://${ip[web]}/" >"$out/wrk.out" 2>&1 &
	clients+=($!)
	ip netns exec "$nsc" python3 bench/soak.py put "${ip[web]}" "$duration" "$out/put.out" >"$out/put.log" 2>&1 &
	clients+=($!)
	;;
redis)
	ip netns exec "$nsc" bash -c '
		end=$((SECONDS + $2)) runs=0 failed=0
		while [ $SECONDS -lt $end ]; do
			if redis-benchmark -h "$1" -p 6379 -c 16 -n 2000 -t set,get -q >"$3.last" 2>&1 &&
				! grep -qi "error" "$3.last"; then
				runs=$((runs + 1))
			else
				failed=$((failed + 1))
				cat "$3.last" >>"$3.errors"
			fi
		done
		echo "requests=$((runs * 4000)) failed_runs=$failed"' _ "${ip[web]}" "$duration" "$out/redis" >"$out/redis.out" 2>&1 &
	clients+=($!)
	;;
esac
case $stream in
iperf2)
	ip netns exec "$nsc" iperf -c "${ip[stream]}" -t "$duration" -f m >"$out/iperf.out" 2>&1 &
	clients+=($!)
	;;
echo)
	ip netns exec "$nsc" python3 bench/soak.py stream "${ip[stream]}" 7 "$duration" "$out/stream.out" >"$out/stream.log" 2>&1 &
	clients+=($!)
	;;
esac
pids+=("${clients[@]}")
client_rc=0
for c in "${clients[@]}"; do wait "$c" || client_rc=1; done

# --- the verdicts -------------------------------------------------------------------
# Whether each guest lived through the run.
alive=ok
for vm in web stream disk; do
	kill -0 "$(eval echo "\$pid_$vm")" 2>/dev/null || alive="$vm stopped before the end"
done
# The disk guest is killed as a crash would stop it; then its disk is checked.
kill -KILL "$pid_disk" 2>/dev/null || true
wait "$pid_disk" 2>/dev/null || true
last=$(tr -d '\r' <"$out/disk.log" | sed -n 's/^synced \([0-9][0-9]*\)$/\1/p' | tail -1)
last=${last:--1}
fsck=clean
build/keelfs fsck "$out/disk.img" >"$out/fsck.log" 2>&1 || fsck="FAILED: $(tail -1 "$out/fsck.log")"
disk_check=$(python3 bench/soak.py disk build/keelfs "$out/disk.img" /soak $SLOTS "$last" 2>"$out/disk-check.err") && disk_ok=1 || disk_ok=0
for vm in web stream; do
	kill "$(eval echo "\$pid_$vm")" 2>/dev/null || true
	wait "$(eval echo "\$pid_$vm")" 2>/dev/null || true
done
# The appliance's own disk, written through WebDAV, must be whole too.
site_fsck=
if [ $web = httpd ]; then
	site_fsck=clean
	build/keelfs fsck "$out/site.img" >"$out/site-fsck.log" 2>&1 || site_fsck="FAILED: $(tail -1 "$out/site-fsck.log")"
fi

failures=()
[ "$alive" = ok ] || failures+=("$alive")
field() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

# web
case $web in
httpd)
	requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$out/wrk.out")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: \([0-9]*\).*/\1/p' "$out/wrk.out")
	sockerr=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/connect \1, read \2, write \3, timeout \4/p' "$out/wrk.out")
	rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/wrk.out")
	requests=${requests:-0} non2xx=${non2xx:-0}
	web_errors="non-2xx $non2xx; socket errors: ${sockerr:-none}"
	[ "$requests" -gt 0 ] || failures+=("wrk served no requests (see wrk's output: $(tail -1 "$out/wrk.out"))")
	[ "$non2xx" = 0 ] || failures+=("wrk: $non2xx responses not 2xx or 3xx")
	[ -z "$sockerr" ] || failures+=("wrk: socket errors: $sockerr")
	web_label="lighttpd (apps/httpd) under wrk, 16 connections"
	p=$(cat "$out/put.out" 2>/dev/null || echo "puts=0 bytes=0 errors=0 first_error=no_result")
	upload="$(field puts "$p") files ($(field bytes "$p") bytes) PUT and read back, $(field errors "$p") errors; the disk's fsck $site_fsck"
	[ "$(field errors "$p")" = 0 ] && [ "$(field puts "$p")" -gt 0 ] ||
		failures+=("WebDAV uploads: $upload (first error: $(field first_error "$p"))")
	[ "$site_fsck" = clean ] || failures+=("the appliance's disk: keelfs fsck $site_fsck")
	;;
redis)
	requests=$(field requests "$(cat "$out/redis.out")")
	failed_runs=$(field failed_runs "$(cat "$out/redis.out")")
	requests=${requests:-0} failed_runs=${failed_runs:-0}
	rps=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / d }')
	web_errors="$failed_runs redis-benchmark runs failed"
	[ "$requests" -gt 0 ] || failures+=("redis-benchmark completed no run")
	[ "$failed_runs" = 0 ] || failures+=("redis-benchmark: $failed_runs runs failed (see $out/redis.errors)")
	web_label="Redis (apps/redis) under redis-benchmark, 16 clients, SET and GET (apps/httpd not in the tree or not built)"
	;;
esac

# stream
case $stream in
iperf2)
	mbps=$(sed -n 's/.* \([0-9.]*\) Mbits\/sec.*/\1/p' "$out/iperf.out" | tail -1)
	stream_bytes=$(sed -n 's/.*sec *\([0-9.]* [KMG]Bytes\).*/\1/p' "$out/iperf.out" | tail -1)
	[ -n "$mbps" ] || failures+=("iperf: no result ($(tail -1 "$out/iperf.out"))")
	stream_label="iperf 2 server (apps/iperf2) under the iperf client"
	stream_detail="${stream_bytes:-0 Bytes} moved"
	;;
echo)
	s=$(cat "$out/stream.out" 2>/dev/null || echo "bytes=0 mbps=0 mismatches=0 error=no_result")
	mbps=$(field mbps "$s")
	stream_label="TCP echo (apps/echo), the host streaming random bytes through it (apps/iperf2 not in the tree or not built)"
	stream_detail="$(field bytes "$s") bytes echoed, $(field mismatches "$s") mismatches, error: $(field error "$s")"
	[ "$(field error "$s")" = none ] && [ "$(field mismatches "$s")" = 0 ] && [ "$(field bytes "$s")" -gt 0 ] ||
		failures+=("stream through echo: $stream_detail")
	;;
esac
[ "$client_rc" = 0 ] || failures+=("a client exited with an error (see $out)")

# disk
[ "$fsck" = clean ] || failures+=("keelfs fsck: $fsck")
[ "$disk_ok" = 1 ] || failures+=("disk: synced files not whole: $disk_check $(head -3 "$out/disk-check.err")")

# heap, and the serial logs' reports of broken invariants and faults
declare -A heap_line
for vm in web stream disk; do
	if heap_line[$vm]=$(python3 bench/soak.py heap "$out/$vm.log" 0.25 10 65536); then :; else
		failures+=("$vm: the kernel's heap grew or was not reported (${heap_line[$vm]})")
	fi
	bad=$(tr -d '\r' <"$out/$vm.log" | grep -aiE "$FAULT_WORDS" | grep -av '^keel: mem ' | head -3 || true)
	[ -z "$bad" ] || failures+=("$vm's serial log: $(tr '\n' ' ' <<<"$bad")")
done
heap_cell() {
	local l=${heap_line[$1]}
	local cache data
	cache=$(field kfs_cache_blocks "$l")
	data=$(field kfs_data_blocks "$l")
	echo "$(field verdict "$l"): in use $(field heap_used_min "$l")-$(field heap_used_max "$l") B (last $(field heap_used_last "$l")), arena $(field heap_bytes_last "$l") B${cache:+, KeelFS cache $cache blocks}${data:+, file-data cache $data pages}, $(field reports "$l") reports; $(field why "$l" | tr _ ' ')"
}

table=$(
	echo "| | figure |"
	echo "|---|---|"
	echo "| web: $web_label | $requests requests served ($rps req/s); errors: $web_errors |"
	[ -n "${upload:-}" ] && echo "| web: WebDAV uploads to the appliance's disk | $upload |"
	echo "| stream: $stream_label | ${mbps:-0} Mbit/s; $stream_detail |"
	echo "| disk: mtest fsync-cycle over $SLOTS files, killed at the end | $((last + 1)) files synced ($(field written "$disk_check") bytes); fsck $fsck; $(field files "$disk_check") files ($(field bytes "$disk_check") bytes) verified, $(field bad "$disk_check") bad |"
	for vm in web stream disk; do
		echo "| kernel heap, $vm guest | $(heap_cell $vm) |"
	done
	echo "| serial logs: assert, panic, CPU exception, fault | $(for vm in web stream disk; do tr -d '\r' <"$out/$vm.log" | grep -aciE "$FAULT_WORDS" || true; done | awk '{ n += $1 } END { print n + 0 }') lines |"
)
header="One run of ${duration} s under TCG, $(qemu-system-x86_64 --version | head -1), -M q35 -m 256M, three guests on a bridge, $impair, reports every ${interval} s, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
echo "$header"
echo
echo "$table"
echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "FAILED:"
	printf '  %s\n' "${failures[@]}"
	for f in web.log stream.log disk.log wrk.out put.out iperf.out redis.out stream.out fsck.log site-fsck.log; do
		[ -s "$out/$f" ] || continue
		echo "--- the end of $f"
		tr -d '\r' <"$out/$f" | tail -15
	done
else
	echo "PASS: the soak held for ${duration} s"
fi
if [ $write = 1 ]; then
	python3 - "$header" "$table" <<'PY'
import sys, re
header, table = sys.argv[1], sys.argv[2]
p = 'bench/README.md'
s = open(p).read()
section = "## Soak: `bench/soak.sh`\n\n" + \
    "The appliances under load at once on a lossy, slow link, with a disk written beside them; " + \
    "the kernel's heap must stay flat (the rules are in the script's header).\n\n" + header + "\n\n" + table + "\n"
s = re.sub(r"## Soak: `bench/soak.sh`.*?(?=\n## |\Z)", lambda m: section, s, flags=re.S) \
    if "## Soak: `bench/soak.sh`" in s else s.rstrip("\n") + "\n\n" + section
open(p, 'w').write(s)
PY
fi
[ ${#failures[@]} = 0 ]
