#!/usr/bin/env bash
# Runs every Keel test suite and ends with one line: "N passed, N failed".
#
#   build   the images the other suites use
#   tree    checks of the sources: formatting, include directions
#   host    the host unit tests (tests/host), with ASan and UBSan
#   fuzz    each libFuzzer target for a short, fixed number of runs
#   boot    the images under QEMU (TCG), declared in tests/boot/cases.sh,
#           plus the scripted tests tests/boot/t-*.sh
#
# Independent boot tests run in parallel (KEEL_TEST_JOBS, default: the
# number of CPUs); those that measure time (declared with alone_test) run
# one at a time afterwards, since a host busy with other guests delays a
# guest's wake-ups by milliseconds, which is not what they measure. Logs go to build/test-logs/. KEEL_TEST_FILTER=REGEX runs
# only the boot tests whose names match; KEEL_TEST_SUITES="host boot" runs
# only those suites (the build always runs).
set -u
cd "$(dirname "$0")/.." || exit 1

JOBS=${KEEL_TEST_JOBS:-$(nproc)}
FILTER=${KEEL_TEST_FILTER:-}
SUITES=" ${KEEL_TEST_SUITES:-host fuzz boot} "
want_suite() { [[ $SUITES == *" $1 "* ]]; }
LOGS=build/test-logs
rm -rf "$LOGS"
mkdir -p "$LOGS"

total_pass=0
total_fail=0
summaries=()
failures=()
skipped=()

suite_done() { # name passed failed
	summaries+=("$(printf '%-6s %d passed, %d failed' "$1" "$2" "$3")")
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
}

# --- build ----------------------------------------------------------------------
echo "== build"
build_pass=0 build_fail=0
# The network servers' Debian sources (redis, iperf3, iperf, lighttpd) may be
# missing from a mirror: their images are then skipped, not failed, and so are
# their boot tests.
declare -A source_of=([redis]=redis [iperf]=iperf3 [iperf2]=iperf [httpd]=lighttpd)
for target in "APP=hello" "APP=khello" "APP=ktest CMDLINE=-- args 'baked into grub.cfg' x" "APP=mtest" "APP=unixonly" "APP=ownmalloc" "APP=lua" "APP=sqlite3" "APP=nettest" "APP=echo" "APP=redis" "APP=iperf" "APP=iperf2" "APP=httpd"; do
	app=${target%% *}
	app=${app#APP=}
	cmdline=${target#* CMDLINE=}
	[ "$cmdline" = "$target" ] && cmdline=
	if [ -n "${source_of[$app]:-}" ] && ! tools/fetch-source.sh "${source_of[$app]}" >"$LOGS/fetch-$app.log" 2>&1; then
		rm -f "build/$app.elf"
		skipped+=("build $app: Debian's source package ${source_of[$app]} cannot be fetched (see $LOGS/fetch-$app.log)")
		continue
	fi
	if make -j"$JOBS" APP="$app" CMDLINE="$cmdline" all >"$LOGS/build-$app.log" 2>&1; then
		build_pass=$((build_pass + 1))
	else
		build_fail=$((build_fail + 1))
		failures+=("build $app (see $LOGS/build-$app.log)")
		tail -20 "$LOGS/build-$app.log"
	fi
done
if want_suite host; then
	if make -j"$JOBS" host-tests >"$LOGS/build-host.log" 2>&1; then
		build_pass=$((build_pass + 1))
	else
		build_fail=$((build_fail + 1))
		failures+=("build host tests (see $LOGS/build-host.log)")
		tail -20 "$LOGS/build-host.log"
	fi
fi
suite_done build $build_pass $build_fail

# --- the tree: checks of the sources themselves -------------------------------------
# tools/check-*.sh: formatting, and which layer may include which.
echo "== tree"
tree_pass=0 tree_fail=0
for check in tools/check-*.sh; do
	case $check in tools/check-image.sh) continue ;; esac
	name=$(basename "$check" .sh)
	if "$check" >"$LOGS/tree-$name.log" 2>&1; then
		tree_pass=$((tree_pass + 1))
		printf '  %-28s ok\n' "$name"
	else
		tree_fail=$((tree_fail + 1))
		failures+=("tree $name (see $LOGS/tree-$name.log)")
		printf '  %-28s FAILED\n' "$name"
		head -20 "$LOGS/tree-$name.log"
	fi
done
suite_done tree $tree_pass $tree_fail

# --- host unit tests --------------------------------------------------------------
want_suite host && echo "== host"
host_pass=0 host_fail=0
want_suite host && for t in build/host/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log="$LOGS/host-$name.log"
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	# A crash (a sanitizer report) ends the program before its summary.
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	host_pass=$((host_pass + p))
	host_fail=$((host_fail + f))
	if [ "$f" != 0 ]; then
		failures+=("host $name (see $log)")
		grep -E '^\[  (FAILED|  ERROR) \]|ERROR: (Address|Undefined|Leak)Sanitizer|runtime error' "$log" | head -10
	fi
	printf '  %-28s %3d passed, %d failed\n' "$name" "$p" "$f"
done
want_suite host && suite_done host $host_pass $host_fail

# --- fuzzing ----------------------------------------------------------------------
if want_suite fuzz && [ -x tests/fuzz/run.sh ]; then
	echo "== fuzz"
	fuzz_pass=0 fuzz_fail=0
	while read -r name rc; do
		if [ "$rc" = 0 ]; then
			fuzz_pass=$((fuzz_pass + 1))
		else
			fuzz_fail=$((fuzz_fail + 1))
			failures+=("fuzz $name (see $LOGS/fuzz-$name.log)")
		fi
		printf '  %-28s %s\n' "$name" "$([ "$rc" = 0 ] && echo ok || echo FAILED)"
	done < <(tests/fuzz/run.sh "$LOGS")
	suite_done fuzz $fuzz_pass $fuzz_fail
fi

# --- boot tests -------------------------------------------------------------------
want_suite boot && echo "== boot"
boot_names=()

# boot_test NAME STATUS [PATTERN...] -- RUN-QEMU-ARGS...
# The test passes when run-qemu.sh returns STATUS and every PATTERN (an
# extended regular expression; a leading ! means "must not appear") is
# found in what the VM printed.
boot_test() {
	local name=$1
	if [ -n "$FILTER" ] && ! [[ $name =~ $FILTER ]]; then
		return
	fi
	boot_names+=("$name")
	printf '%q ' "$@" >"$LOGS/boot-$name.def"
}

# script_test NAME SCRIPT [ARGS...]: a test of its own, passing when the
# script exits 0 (tests/boot/t-*.sh; each cleans up after itself).
script_test() {
	local name=$1
	if [ -n "$FILTER" ] && ! [[ $name =~ $FILTER ]]; then
		return
	fi
	boot_names+=("$name")
	printf '%q ' script "$@" >"$LOGS/boot-$name.def"
}

# alone_test NAME: NAME (declared already) runs with no other test beside it.
alone_names=()
alone_test() {
	[[ " ${boot_names[*]} " == *" $1 "* ]] && alone_names+=("$1")
}

# first_test NAME: NAME (declared already) starts before the others, so
# that a long test runs beside the short ones instead of after them.
first_names=()
first_test() {
	[[ " ${boot_names[*]} " == *" $1 "* ]] && first_names+=("$1")
}

# skip_test NAME WHY: a test that cannot run on this machine, reported as
# such (not counted as passed).
skip_test() {
	skipped+=("$1: $2")
}

run_boot_test() {
	local name=$1 log="$LOGS/boot-$1.log" result="$LOGS/boot-$1.result"
	local def
	def=$(cat "$LOGS/boot-$name.def")
	eval "set -- $def"
	if [ "$1" = script ]; then
		shift 2
		local script=$1
		shift
		if KEEL_LOG="$log" timeout -k 5 300 "$script" "$@" >"$log" 2>&1 </dev/null; then
			echo PASS >"$result"
		else
			echo "FAIL: $script exited $? (see $log)" >"$result"
		fi
		return
	fi
	shift # the name
	local want=$1
	shift
	local patterns=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		patterns+=("$1")
		shift
	done
	shift
	./run-qemu.sh --accel tcg --timeout 60 "$@" 2>&1 </dev/null | tr -d '\r' >"$log"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" != "$want" ]; then
		echo "FAIL: exit status $rc, expected $want (see $log)" >"$result"
		return
	fi
	local p
	for p in "${patterns[@]}"; do
		if [ "${p:0:1}" = "!" ]; then
			if grep -Eaq -- "${p:1}" "$log"; then
				echo "FAIL: the output has '${p:1}' (see $log)" >"$result"
				return
			fi
		elif ! grep -Eaq -- "$p" "$log"; then
			echo "FAIL: the output lacks '$p' (see $log)" >"$result"
			return
		fi
	done
	echo PASS >"$result"
}

want_suite boot && source tests/boot/cases.sh

boot_pass=0 boot_fail=0
if [ $build_fail = 0 ]; then
	for name in "${first_names[@]}" "${boot_names[@]}"; do
		[[ " ${alone_names[*]} " == *" $name "* ]] && continue
		[ -e "$LOGS/boot-$name.started" ] && continue
		: >"$LOGS/boot-$name.started"
		while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
			wait -n
		done
		run_boot_test "$name" &
	done
	wait
	for name in "${alone_names[@]}"; do
		run_boot_test "$name"
	done
	for name in "${boot_names[@]}"; do
		r=$(cat "$LOGS/boot-$name.result" 2>/dev/null || echo "FAIL: no result")
		if [ "$r" = PASS ]; then
			boot_pass=$((boot_pass + 1))
			printf '  %-34s ok\n' "$name"
		else
			boot_fail=$((boot_fail + 1))
			failures+=("boot $name: ${r#FAIL: }")
			printf '  %-34s %s\n' "$name" "$r"
		fi
	done
else
	boot_fail=${#boot_names[@]}
	failures+=("boot: not run, the build failed")
fi
want_suite boot && suite_done boot $boot_pass $boot_fail

echo
if [ ${#skipped[@]} -gt 0 ]; then
	echo "skipped:"
	printf '  %s\n' "${skipped[@]}"
	echo
fi
if [ ${#failures[@]} -gt 0 ]; then
	# Each failure's log ends here too: a CI run keeps only what was printed.
	for f in "${failures[@]}"; do
		log=$(sed -n 's/.*(see \([^)]*\)).*/\1/p' <<<"$f")
		[ -n "$log" ] && [ -f "$log" ] || continue
		echo "--- the last 40 lines of $log"
		tail -n 40 "$log" | tr -d '\r' | cut -c1-300
		echo
	done
	echo "failures:"
	printf '  %s\n' "${failures[@]}"
	echo
fi
printf '%s\n' "${summaries[@]}"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
