#!/usr/bin/env bash
# Where a Redis request's work goes, counted rather than timed: the guest
# instructions each request costs under Keel and under the Linux guest
# (bench/linux-guest.sh), split into the application's (Redis and musl,
# the same sources built the same way for both) and the system's (the
# kernel, and the vDSO on either side). The counts come from a QEMU TCG
# plugin (bench/progs/tbcount.c) that counts how often every translated
# block runs; a snapshot before and after each load is subtracted. Unlike
# a rate they do not move with the host's load, so they show what a
# change to Keel's paths saved, and how far the system's share bounds
# what any kernel can gain: the application's part is the same on both
# sides.
#
# Also counted: blocks run, and interrupt or exception returns (iretq)
# per request. The loads are redis-benchmark's SET and GET, 50 clients,
# one request at a time and pipelined 16 deep, on a tap in a network
# namespace (bench/lib-netns.sh), as in bench/net.sh. Needs root and a
# QEMU built with plugin support (Debian's is).
# Prints a Markdown table; with --write, also puts it in bench/README.md.
#
#   bench/insns.sh [--write]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/linux-guest.sh
source bench/lib-netns.sh

write=0
case ${1:-} in
--write) write=1 ;;
"") ;;
*) echo "usage: bench/insns.sh [--write]" >&2; exit 2 ;;
esac
netns_need_root bench/insns.sh

REDIS_ARGS="--save --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0"
N=20000 PIPE_N=100000
out=build/bench/insns
mkdir -p "$out"
netns_install "$out/apt.log" redis-benchmark=redis-tools ping=iputils-ping ip=iproute2
tools/install-deps.sh test >/dev/null

gcc -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o "$out/tbcount.so" bench/progs/tbcount.c -lpthread
echo "building the images and their Linux builds..." >&2
make -s APP=redis all >/dev/null
tools/linux-build.sh redis-server >/dev/null
{
	linux_guest_net_init "$GUEST_IP/24" "$HOST_IP"
	echo "/redis-server $REDIS_ARGS"
} >"$out/linux-redis.init"
linux_guest_initramfs "$out/linux-redis.cpio.gz" "$out/linux-redis.init" --modules "virtio_pci virtio_net" \
	build/linux/redis-server=redis-server

netns_up keel-insns
qemu_opts=("${netns_qemu_opts[@]}" -m 256M -plugin "$PWD/$out/tbcount.so")

# The loads, in order, one snapshot of the counts after each.
loads=("set 1" "get 1" "set 16" "get 16")

# snapshot SIDE N: asks the plugin for snapshot N and waits for it.
snapshot() {
	touch "$out/$1.counts.snap"
	for _ in $(seq 500); do
		[ -e "$out/$1.counts.snap" ] || { [ -s "$out/$1.counts.$2" ] && return 0; }
		sleep 0.02
	done
	echo "bench/insns.sh: the plugin wrote no snapshot $2 for $1" >&2
	return 1
}

for side in linux keel; do
	echo "$side..." >&2
	rm -f "$out/$side.counts".*
	log=$out/$side.log
	: >"$log"
	if [ $side = linux ]; then
		KEEL_TBCOUNT=$out/$side.counts ip netns exec "$ns" qemu-system-x86_64 "${qemu_opts[@]}" \
			-kernel "$(linux_guest_kernel)" -initrd "$out/linux-redis.cpio.gz" \
			-append "console=ttyS0 quiet panic=-1" </dev/null >"$log" 2>&1 &
	else
		KEEL_TBCOUNT=$out/$side.counts ip netns exec "$ns" qemu-system-x86_64 "${qemu_opts[@]}" \
			-kernel build/redis.elf -append "net.en0=ip=$GUEST_IP/24,gw=$HOST_IP -- $REDIS_ARGS" </dev/null >"$log" 2>&1 &
	fi
	guest=$!
	guest_wait "$log" 'Ready to accept connections' 'not implemented|error|Failed|panic|exit status' ||
		{ echo "bench/insns.sh: the $side guest did not serve: $why" >&2; exit 1; }
	snapshot $side 0
	i=0
	for l in "${loads[@]}"; do
		set -- $l
		n=$([ "$2" = 1 ] && echo $N || echo $PIPE_N)
		in_ns timeout 300 redis-benchmark -h "$GUEST_IP" -p 6379 -c 50 -n "$n" -P "$2" -t "$1" --csv >"$out/$side.$1.$2.csv"
		grep -q "^\"${1^^}\"" "$out/$side.$1.$2.csv" || { echo "bench/insns.sh: redis-benchmark failed on $side" >&2; exit 1; }
		i=$((i + 1))
		snapshot $side $i
	done
	guest_stop
done

# The application's text: Keel's link brackets it (__app_text_*); the
# Linux guest's is everything below the vDSO's and the kernel's
# addresses (a static binary, one process serving).
app_lo=$(nm build/redis.elf | awk '$3 == "__app_text_start" { print $1 }')
app_hi=$(nm build/redis.elf | awk '$3 == "__app_text_end" { print $1 }')
table=$(python3 - "$out" "$app_lo" "$app_hi" "$N" "$PIPE_N" "${loads[@]}" <<'PY'
import sys
out, app_lo, app_hi, n1, n16 = sys.argv[1], int(sys.argv[2], 16), int(sys.argv[3], 16), int(sys.argv[4]), int(sys.argv[5])
loads = sys.argv[6:]

def counts(path):
    c = {}
    for line in open(path):
        va, insns, runs, last = line.split()
        c[(int(va, 16), int(insns), last)] = int(runs)
    return c

def is_app(side, va):
    return app_lo <= va < app_hi if side == 'keel' else va < 0x7f0000000000

def measure(side, k, requests):
    before, after = counts('%s/%s.counts.%d' % (out, side, k)), counts('%s/%s.counts.%d' % (out, side, k + 1))
    app = system = blocks = iret = 0
    for key, runs in after.items():
        d = runs - before.get(key, 0)
        if d <= 0:
            continue
        va, insns, last = key
        if is_app(side, va):
            app += insns * d
        else:
            system += insns * d
        blocks += d
        if last.startswith('48cf'):
            iret += d
    return [x / requests for x in (app + system, system, blocks, iret)]

print('| load | Linux guest: instructions per request | of them the system\'s | Keel | of them the system\'s '
      '| Linux\'s instructions over Keel\'s | blocks run per request, Linux / Keel | iretq per request (returns from interrupts and exceptions), Linux / Keel |')
print('|---|---|---|---|---|---|---|---|')
for k, load in enumerate(loads):
    cmd, pipe = load.split()
    requests = n1 if pipe == '1' else n16
    l, kk = measure('linux', k, requests), measure('keel', k, requests)
    name = 'redis %s, 50 clients%s' % (cmd.upper(), ', pipelined 16' if pipe != '1' else '')
    print('| %s | %.0f | %.0f (%.0f%%) | %.0f | %.0f (%.0f%%) | %.2fx | %.0f / %.0f | %.3f / %.3f |' % (
        name, l[0], l[1], 100 * l[1] / l[0], kk[0], kk[1], 100 * kk[1] / kk[0], l[0] / kk[0], l[2], kk[2], l[3], kk[3]))
PY
)
header="Counted under TCG, $(qemu-system-x86_64 --version | head -1), -M q35 -m 256M, virtio-net on a tap (vhost off) in a network namespace, redis-benchmark -n $N (pipelined: -n $PIPE_N), $(date -u +%Y-%m-%d)."
echo "$header"
echo
echo "$table"
if [ $write = 1 ]; then
	python3 - "$header" "$table" <<'PY'
import sys, re
header, table = sys.argv[1:3]
p = 'bench/README.md'
s = open(p).read()
section = "## Instructions per request: `bench/insns.sh`\n\n" + \
    "Redis 7.0.15 under Keel and under the Linux guest, the guest instructions each request costs, counted by a " + \
    "QEMU plugin (bench/progs/tbcount.c): the whole, and the system's part (the kernel's and the vDSO's; the rest " + \
    "is Redis and musl, the same build on both sides). Counts, unlike rates, hardly move with the host's load.\n\n" + \
    header + "\n\n" + table + "\n"
s = re.sub(r"## Instructions per request: `bench/insns.sh`.*?(?=\n## |\Z)", lambda m: section, s, flags=re.S) \
    if "## Instructions per request: `bench/insns.sh`" in s else s.rstrip("\n") + "\n\n" + section
open(p, 'w').write(s)
PY
fi
