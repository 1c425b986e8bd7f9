#!/usr/bin/env bash
# Runs each libFuzzer target for a fixed number of inputs from a fixed
# seed, so that a run repeats exactly, starting from its committed corpus
# (tests/fuzz/corpus/<target>/, which it never writes to).
#
#   tests/fuzz/run.sh LOGDIR
#
# Prints one line per target, "NAME RC" (0: passed), and leaves its output
# in LOGDIR/fuzz-NAME.log; an input that failed is kept as
# LOGDIR/fuzz-NAME-crash-* (rerun it: build/fuzz/NAME FILE).
# KEEL_FUZZ_RUNS=N and KEEL_FUZZ_SEED=S change the count and the seed, for
# a longer hunt by hand.
set -u
cd "$(dirname "$0")/../.." || exit 1

logdir=${1:?usage: tests/fuzz/run.sh LOGDIR}
mkdir -p "$logdir"

# The targets compare addresses, and libFuzzer learns from comparisons:
# with address space randomization on, two runs would mutate differently.
norandom=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
	norandom=(setarch "$(uname -m)" -R)
fi

# name, inputs: together well under 30 seconds on two cores.
targets=(
	"fuzz_used_ring 600000"
	"fuzz_pci_caps 1500000"
	"fuzz_keelfs 6000"
	"fuzz_scsi 300000"
)

for t in "${targets[@]}"; do
	read -r name runs <<<"$t"
	log="$logdir/fuzz-$name.log"
	if ! make -s "build/fuzz/$name" >"$log" 2>&1; then
		echo "$name 1"
		continue
	fi
	# New inputs go to a scratch corpus; the committed one is only read.
	work=$(mktemp -d "$logdir/fuzz-$name.XXXXXX")
	"${norandom[@]}" "build/fuzz/$name" -runs="${KEEL_FUZZ_RUNS:-$runs}" -seed="${KEEL_FUZZ_SEED:-1}" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -reload=0 -print_final_stats=1 -artifact_prefix="$logdir/fuzz-$name-" \
		"$work" "tests/fuzz/corpus/$name" >>"$log" 2>&1 </dev/null
	rc=$?
	rm -rf "$work"
	echo "$name $rc"
done
