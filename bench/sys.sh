#!/usr/bin/env bash
# System calls and applications on Keel beside a Linux guest (Debian's
# kernel and busybox: bench/linux-guest.sh) on the same QEMU options, and
# beside the host itself for the system call:
#
#   getpid      one system call's round trip (tests/apps/sysbench)
#   clock       clock_gettime(CLOCK_MONOTONIC) through musl: the vDSO in both guests
#   switch      a hand-off between two threads blocked on futexes
#   wake        from a futex wake to the woken thread running
#   pipe        a byte's round trip between two threads through two pipes
#   unix        the same through an AF_UNIX stream pair
#   lua         Debian's Lua running bench/progs/bench.lua
#   sqlite3     Debian's sqlite3 shell running tests/boot/sqlite/rows.sql
#
# Each guest times its own work: Keel prints how long main ran, the Linux
# guest runs each program under bench/progs/timeit.c. Medians of RUNS boots
# of each (default 3). Prints a Markdown table; with --write, also puts it
# in bench/README.md.
#
#   bench/sys.sh [--runs N] [--write]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/linux-guest.sh

runs=3 write=0
while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--write) write=1; shift ;;
	*) echo "usage: bench/sys.sh [--runs N] [--write]" >&2; exit 2 ;;
	esac
done

N=200000 ROUNDS=5000
out=build/bench/sys
mkdir -p "$out"
tools/install-deps.sh test >/dev/null
echo "building the images and their Linux builds..." >&2
for app in sysbench lua sqlite3; do make -s APP=$app all >/dev/null; done
tools/linux-build.sh sysbench lua sqlite3 timeit >/dev/null

# The SQL as one argument (the shell runs it, no console input), less
# its dot-commands, whose effect the options give.
sql=$(grep -v -e '^\.' -e '^--' tests/boot/sqlite/rows.sql)
lua_script=$(grep -v '^--' bench/progs/bench.lua)
SQL_ARGS=(-batch -bail -list -noheader :memory:)

qemu_opts=(-accel tcg -M q35 -m 256M -nodefaults -no-user-config -display none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio)

# The Linux guest: one boot runs everything once.
cp bench/progs/bench.lua "$out/bench.lua"
printf '%s\n' "$sql" >"$out/rows.sql"
cat >"$out/init" <<INIT
/sysbench $N $ROUNDS
echo "linux: lua begins"; /timeit /lua /bench.lua
echo "linux: sqlite3 begins"; /timeit /sqlite3 ${SQL_ARGS[*]} "\$(cat /rows.sql)"
INIT
linux_guest_initramfs "$out/linux.cpio.gz" "$out/init" build/linux/sysbench=sysbench build/linux/lua=lua \
	build/linux/sqlite3=sqlite3 build/linux/timeit=timeit "$out/bench.lua=bench.lua" "$out/rows.sql=rows.sql"

median() { grep -v "^$" | sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/^bench: $1 \([0-9.]*\) ns.*/\1/p" "$2" | tr -d '\r'; }

load0=$(cut -d' ' -f1 /proc/loadavg)
declare -A host linux keel
for m in getpid clock switch wake pipe unix lua sqlite3; do host[$m]= linux[$m]= keel[$m]=; done
for ((r = 0; r < runs; r++)); do
	echo "run $((r + 1)) of $runs" >&2
	build/linux/sysbench $N $ROUNDS >"$out/host.$r"
	qemu-system-x86_64 "${qemu_opts[@]}" -kernel "$(linux_guest_kernel)" -initrd "$out/linux.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1" </dev/null 2>&1 | tr -d '\r' >"$out/linux.$r" || true
	./run-qemu.sh --kernel build/sysbench.elf --accel tcg --timeout 120 --append "-- $N $ROUNDS" \
		</dev/null >"$out/keel-sys.$r" 2>&1 || true
	./run-qemu.sh --kernel build/lua.elf --accel tcg --timeout 300 --append "-- -e '$lua_script'" \
		</dev/null >"$out/keel-lua.$r" 2>&1 || true
	./run-qemu.sh --kernel build/sqlite3.elf --accel tcg --timeout 300 \
		--append "-- ${SQL_ARGS[*]} \"$sql\"" </dev/null >"$out/keel-sqlite.$r" 2>&1 || true
	for m in getpid clock switch wake pipe unix; do
		host[$m]+="$(field $m "$out/host.$r") "
		linux[$m]+="$(field $m "$out/linux.$r") "
		keel[$m]+="$(field $m "$out/keel-sys.$r") "
	done
	# Milliseconds each program ran, in each guest.
	# Only runs that did their work count, on either side.
	grep -aq '^bench.lua: checksum' "$out/linux.$r" &&
		linux[lua]+="$(sed -n '/linux: lua begins/,/timeit:/s/^timeit: \([0-9]*\) us/\1/p' "$out/linux.$r") "
	grep -aq '^sqlite rows: ok' "$out/linux.$r" &&
		linux[sqlite3]+="$(sed -n '/linux: sqlite3 begins/,/timeit:/s/^timeit: \([0-9]*\) us/\1/p' "$out/linux.$r") "
	grep -aq '^bench.lua: checksum' "$out/keel-lua.$r" && keel[lua]+="$(sed -n 's/^keel: main ran \([0-9]*\) us.*/\1/p' "$out/keel-lua.$r" | tr -d '\r') "
	grep -aq '^sqlite rows: ok' "$out/keel-sqlite.$r" && keel[sqlite3]+="$(sed -n 's/^keel: main ran \([0-9]*\) us.*/\1/p' "$out/keel-sqlite.$r" | tr -d '\r') "
done
# The two guests must have computed the same things.
for f in "$out"/keel-lua.*; do
	a=$(grep -a '^bench.lua: checksum' "$f" | tr -d '\r')
	b=$(grep -a '^bench.lua: checksum' "$out/linux.0" | tr -d '\r')
	[ "$a" = "$b" ] || echo "warning: Lua's checksum differs between the guests ($a / $b)" >&2
done

med() { printf '%s\n' $1 | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || a == "" || b == "" || a == 0) print "n/a"; else printf "%.2fx", b / a }'; }

table=$(
	echo "| measure | host | Linux guest | Keel | Keel's advantage over the Linux guest |"
	echo "|---|---|---|---|---|"
	for m in getpid clock switch wake pipe unix; do
		h=$(med "${host[$m]}") l=$(med "${linux[$m]}") k=$(med "${keel[$m]}")
		echo "| $m (ns) | $h | $l | $k | $(ratio "$k" "$l") |"
	done
	for m in lua sqlite3; do
		l=$(med "${linux[$m]}") k=$(med "${keel[$m]}")
		echo "| $m run (us) | | $l | $k | $(ratio "$k" "$l") |"
	done
)
header="Medians of $runs runs under TCG, $(qemu-system-x86_64 --version | head -1), -M q35, $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $load0 at the start)."
range() { printf '%s\n' $1 | grep -v '^$' | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
notes="- getpid is one system call's round trip. Keel answers it at the entry
  from a table (SYSCALL_CONST: no stack, no saved register); the Linux
  guest enters its kernel through a privilege change. Single runs: Keel
  $(range "${keel[getpid]}") ns, the Linux guest $(range "${linux[getpid]}") ns.
- clock is musl's clock_gettime(CLOCK_MONOTONIC), which both guests serve
  from their vDSO, without a system call.
- switch is a futex hand-off between two threads, wake the time from a
  futex wake to the woken thread running.
- pipe and unix are a byte's round trip between two threads: written,
  read and written back by the other, read again; through two pipes, and
  through an AF_UNIX stream pair.
- Lua (bench/progs/bench.lua) and sqlite3 (tests/boot/sqlite/rows.sql
  given as an argument) are timed by the guests themselves: Keel from the
  call of main to the exit, the Linux guest by bench/progs/timeit.c
  around the program. A run counts only when the program printed its
  result."
echo "$header"
echo
echo "$table"
echo
echo "$notes"
if [ $write = 1 ]; then
	python3 - "$header" "$table" "$notes" <<'PY'
import sys, re
header, table, notes = sys.argv[1], sys.argv[2], sys.argv[3]
p = 'bench/README.md'
s = open(p).read()
section = "## System calls and applications: `bench/sys.sh`\n\n" + \
    "Keel beside a Linux guest (Debian's kernel, busybox) on the same QEMU options, and the host, " + \
    "running the same programs built from the same sources with the same musl (ratios: the Linux guest's " + \
    "time over Keel's, above 1 is Keel faster).\n\n" + header + "\n\n" + table + "\n\n" + notes + "\n"
s = re.sub(r"## System calls and applications: `bench/sys.sh`.*?(?=\n## |\Z)", lambda m: section, s, flags=re.S) \
    if "## System calls and applications" in s else s.rstrip("\n") + "\n\n" + section
open(p, 'w').write(s)
PY
fi
