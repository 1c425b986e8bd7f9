#!/usr/bin/env bash
# The README's first command: `make run` boots the appliance (apps/httpd),
# prints its URL before the boot, serves http://127.0.0.1:8080/ through
# QEMU's user network, and ends at Ctrl-C (SIGINT to its process group, as
# a terminal sends it). Run in a network namespace of its own, so that the
# host's port 8080 is this test's alone.
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
for c in ip curl setsid; do
	command -v "$c" >/dev/null || fail "$c is not installed"
done
ns=keel-run-$$
ip netns add "$ns" || fail "cannot make a network namespace"
# Whatever is left of make run's process group is stopped, then the
# namespace removed. (Other tests boot the same image: QEMU is found by
# its process group, not by its command line.)
leader=
group_pids() { [ -n "$leader" ] && ps -eo pid=,pgid= | awk -v g="$leader" '$2 == g { print $1 }'; }
trap 'kill $(group_pids) 2>/dev/null; cleanup; ip netns del "$ns" 2>/dev/null' EXIT
ip netns exec "$ns" ip link set lo up

# make run with the build done already (tests/run.sh built it): its own
# process group, as a shell's foreground job has (setsid: the group is
# named by make's process id).
ip netns exec "$ns" setsid make --no-print-directory run APP=httpd </dev/null >"$tmp/out" 2>&1 &
leader=$!
shown() { tr -d '\r' <"$tmp/out" | tail -30; }
wait_for_line "$tmp/out" 'server started|keel: exit status' 150 || { shown; fail "lighttpd did not start in 150 s"; }
grep -aq 'server started' "$tmp/out" || { shown; fail "lighttpd stopped"; }
url_line=$(grep -an 'http://127.0.0.1:8080/' "$tmp/out" | head -1 | cut -d: -f1)
boot_line=$(grep -an 'keel: main after' "$tmp/out" | head -1 | cut -d: -f1)
[ -n "$url_line" ] && [ "$url_line" -lt "${boot_line:-0}" ] || { shown; fail "make run did not print the URL before the boot"; }

ip netns exec "$ns" curl -sS -m 30 -o "$tmp/index" http://127.0.0.1:8080/ || { shown; fail "GET http://127.0.0.1:8080/ failed"; }
cmp -s "$tmp/index" apps/httpd/site/index.html || fail "the page served is not apps/httpd/site/index.html"
echo "make run: the URL printed before the boot, the index served on it"

# Ctrl-C: SIGINT to the whole group ends QEMU, then make.
kill -INT -- -"$leader"
for _ in $(seq 1 100); do
	kill -0 "$leader" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$leader" 2>/dev/null || fail "make run still runs 10 s after SIGINT"
[ -z "$(group_pids)" ] || fail "QEMU still runs after SIGINT"
echo "PASS: make run serves the site, and SIGINT ends it"
