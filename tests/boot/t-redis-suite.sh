#!/usr/bin/env bash
# Redis's own test suite (tests/ of Debian's source package redis, run by
# its runtest with tclsh) against apps/redis, as an external server on
# QEMU's user network. Units that exercise the server's data types,
# transactions, scripting and pub/sub; excluded are the tests tagged as
# needing replication or a background save (both fork, which a single
# address space cannot) and the slow ones.
#
#   t-redis-suite.sh [UNIT...]     default: the units listed below
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
units=("$@")
# The default keeps within make test's bound on a loaded machine: the
# list and hash units (blocking pops, fuzzing) run by hand.
[ ${#units[@]} -gt 0 ] || units=(unit/type/incr unit/keyspace unit/multi unit/scripting unit/pubsub)
command -v tclsh >/dev/null || fail "tclsh is not installed (Debian's tcl)"
src=$(tools/fetch-source.sh redis) && [ -x "$src/runtest" ] || fail "no Redis source with its runtest"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

trap 'kill "$(qemu_pid_with "$tmp/serial.log")" 2>/dev/null; cleanup' EXIT
# The DEBUG command is how the suite inspects the server (object
# encodings, sleeps, reloads): on, as its own configuration has it.
./run-qemu.sh --kernel build/redis.elf --accel tcg --timeout 280 --mem 512M --serial-log "$tmp/serial.log" \
	--net "user,hostfwd=tcp:127.0.0.1:$port-:6379" \
	--append "-- --save --appendonly no --protected-mode no --port 6379 --bind 0.0.0.0 --enable-debug-command yes" \
	</dev/null >"$tmp/out" 2>&1 &
wait_for_line "$tmp/out" "Ready to accept connections|keel: exit status" 120 ||
	{ tail -20 "$tmp/out"; fail "the server did not start in 120 s"; }
grep -aq "Ready to accept connections" "$tmp/out" || { tail -20 "$tmp/out"; fail "the server stopped"; }

args=()
for u in "${units[@]}"; do args+=(--single "$u"); done
(cd "$src" && timeout 200 ./runtest --host 127.0.0.1 --port "$port" --clients 1 --singledb \
	--tags "-slow -needs:repl -needs:save" "${args[@]}") 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$tmp/suite"
ok=$(grep -c '^\[ok\]' "$tmp/suite")
if ! grep -q 'All tests passed without errors' "$tmp/suite"; then
	grep -E -A3 '^\[(err|exception)\]' "$tmp/suite" | head -30
	tail -5 "$tmp/suite"
	fail "Redis's suite failed after $ok tests passed"
fi
[ "$ok" -ge 300 ] || fail "only $ok of Redis's tests ran"
echo "PASS: Redis's own suite, ${#units[@]} units, $ok tests passed against the guest"
