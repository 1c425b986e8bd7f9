#!/bin/sh
# Adds up the sampling profiler's reports (kernel option profile=HZ) found
# in console logs: every "keel: profile:" line of every report in the
# files (or standard input), summed per function, printed busiest first
# with its share of all the samples the reports counted. For the windows
# of profile.report=SECONDS, or several runs of one benchmark:
#
#   tools/profile-sum.sh [-n TOP] [LOG...]
#
# Functions below a report's top N are not in its lines: the sum of the
# shares is then under 100%, and "(not listed)" says how much is missing.
set -eu
top=30
if [ "${1:-}" = -n ]; then
	top=$2
	shift 2
fi
cat "$@" | tr -d '\r' | awk -v top="$top" '
/keel: profile( at exit)?: [0-9]+ samples at / {
	for (i = 1; i <= NF; i++) if ($i == "samples") { total += $(i - 1); break }
	reports++
	next
}
/keel: profile: +[0-9.]+% +[0-9]+  / {
	sub(/.*keel: profile: +[0-9.]+% +/, "")
	n = $1
	sub(/^[0-9]+  /, "")
	count[$0] += n
	listed += n
}
END {
	if (reports == 0) { print "profile-sum: no profile report in the input" > "/dev/stderr"; exit 1 }
	printf "%d samples in %d reports\n", total, reports
	k = 0
	for (f in count) names[k++] = f
	# Busiest first (a selection sort: the lists are short).
	for (i = 0; i < k && i < top; i++) {
		best = i
		for (j = i + 1; j < k; j++) if (count[names[j]] > count[names[best]]) best = j
		t = names[i]; names[i] = names[best]; names[best] = t
		printf "%5.1f%% %9d  %s\n", total ? 100 * count[names[i]] / total : 0, count[names[i]], names[i]
	}
	if (total > listed)
		printf "%5.1f%% %9d  (not listed)\n", 100 * (total - listed) / total, total - listed
}'
