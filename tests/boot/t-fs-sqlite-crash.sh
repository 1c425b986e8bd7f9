#!/usr/bin/env bash
# SQLite on KeelFS when the VM dies in the middle of a transaction:
#
#   t-fs-sqlite-crash.sh [JOURNAL-MODE]   (delete by default; truncate, persist)
#
# Debian's sqlite3 shell creates a database of 100,000 rows in one committed
# transaction, then starts a second, larger one that changes every row,
# adds many more and deletes some (more than the page cache holds, so
# SQLite writes the database file before the commit); the host kills QEMU
# with SIGKILL at a random point of it. The next boot must find the
# database intact (PRAGMA integrity_check = ok) with exactly the first
# transaction's rows (their count and checksums, as the host's sqlite3
# computes them), the host's sqlite3 must agree on the file copied out of
# the image, and `keelfs fsck` must find the image clean after each boot.
# (WAL is compiled out of apps/sqlite3: it needs shared memory maps.)
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
mode=${1:-delete}
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
ref=$(tools/linux-build.sh sqlite3 2>"$tmp/build.log") || { cat "$tmp/build.log"; fail "cannot build sqlite3 for Linux"; }

sums="SELECT count(*), sum(x), sum(id * x % 1000003), total(length(s)), min(s), max(s) FROM t;"
cat >"$tmp/create.sql" <<SQL
PRAGMA journal_mode = $mode;
CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER, s TEXT);
CREATE INDEX tx ON t(x);
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
INSERT INTO t SELECT i, (i * 7919) % 100003, printf('row %06d', i) FROM c;
COMMIT;
$sums
SQL
cat >"$tmp/second.sql" <<'SQL'
SELECT 'second begins';
BEGIN;
UPDATE t SET x = x + 1, s = s || ' changed';
WITH RECURSIVE c(i) AS (SELECT 100001 UNION ALL SELECT i + 1 FROM c WHERE i < 600000)
INSERT INTO t SELECT i, (i * 7919) % 100003, printf('row %06d, the second transaction', i) FROM c;
DELETE FROM t WHERE id % 3 = 0;
UPDATE t SET x = x * 2;
COMMIT;
SELECT 'second committed';
SQL
cat >"$tmp/check.sql" <<SQL
PRAGMA integrity_check;
$sums
SQL
"$ref" -batch "$tmp/host.db" <"$tmp/create.sql" >"$tmp/want-create" 2>&1 || fail "sqlite3 on the host failed"
"$ref" -batch "$tmp/host.db" <"$tmp/check.sql" >"$tmp/want-check" 2>&1 || fail "sqlite3 on the host failed"
head -1 "$tmp/want-create" | grep -qx "$mode" || fail "the host's sqlite3 does not take journal_mode $mode"

$KEELFS mkfs "$tmp/img" 256M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
run() { # SQL-FILE OUTPUT
	./run-qemu.sh --kernel build/sqlite3.elf --accel tcg --timeout 600 --device virtio-rng-pci --disk "$tmp/img" \
		--append "tty.echo=off root=vda -- -batch /data.db" <"$1" >"$2" 2>&1
}

# The first boot: both transactions, the second one cut short.
cat "$tmp/create.sql" "$tmp/second.sql" >"$tmp/boot1.sql"
printf '.quit\n' >>"$tmp/boot1.sql"
run "$tmp/boot1.sql" "$tmp/out1" &
job=$!
wait_for_line "$tmp/out1" 'second begins' 400 || { tr -d '\r' <"$tmp/out1" | tail -20; fail "the first transaction did not end"; }
# 2 to 12 s into the second transaction, which takes minutes: from the
# journal's first pages to well after the cache first spilled to the
# database file.
delay=$((2 + RANDOM % 10)).$((RANDOM % 10))
sleep "$delay"
pid=$(qemu_pid_with "$tmp/img")
[ -n "$pid" ] || { tr -d '\r' <"$tmp/out1" | tail -20; fail "QEMU is gone before the kill"; }
kill -KILL "$pid"
wait $job
grep -q 'second committed' "$tmp/out1" && fail "the second transaction ended before the kill (${delay}s): nothing tested"
app_output "$tmp/out1" | sed '/^second begins$/,$d' >"$tmp/got-create"
diff -u "$tmp/want-create" "$tmp/got-create" || fail "the first boot printed something else than the host"
# Which case ran: whether SQLite had changed the database file in place
# (the host's file is what the first transaction left), and how much
# journal it had written.
$KEELFS get "$tmp/img" /data.db "$tmp/killed.db" >/dev/null 2>&1 || fail "keelfs get /data.db after the kill"
changed=unchanged
cmp -s "$tmp/killed.db" "$tmp/host.db" || changed="changed in place"
journal=$($KEELFS ls -l "$tmp/img" / | awk '$5 == "data.db-journal" { print $4 }')
echo "killed ${delay}s into the second transaction: data.db $changed, journal ${journal:-absent} bytes"
$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems after the kill"; }

# The second boot: SQLite rolls the second transaction back from its journal.
printf '.quit\n' >>"$tmp/check.sql"
run "$tmp/check.sql" "$tmp/out2" || { tr -d '\r' <"$tmp/out2" | tail -30; fail "the second boot failed"; }
app_output "$tmp/out2" >"$tmp/got-check"
head -1 "$tmp/got-check" | grep -qx ok || { cat "$tmp/got-check"; fail "integrity_check is not ok"; }
diff -u "$tmp/want-check" "$tmp/got-check" || fail "the second boot did not find exactly the first transaction's rows"
$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems after the second boot"; }

$KEELFS get "$tmp/img" /data.db "$tmp/copy.db" >/dev/null 2>&1 || fail "keelfs get /data.db"
"$ref" -batch "$tmp/copy.db" <"$tmp/check.sql" >"$tmp/host-check" 2>&1
diff -u "$tmp/want-check" "$tmp/host-check" || fail "the host's sqlite3 does not find the first transaction's rows"
echo "PASS: journal_mode $mode: killed ${delay}s into a second transaction, the first one's 100,000 rows intact, image clean"
