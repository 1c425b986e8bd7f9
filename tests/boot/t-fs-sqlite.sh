#!/usr/bin/env bash
# SQLite on KeelFS: Debian's sqlite3 shell creates a database file on a
# virtio-blk disk mounted at the root, inserts 100,000 rows in one
# transaction and exits; a second boot of the same disk finds them all and
# PRAGMA integrity_check says ok; the host's sqlite3 agrees on the file
# copied out of the image, and fsck finds the image clean.
#   t-fs-sqlite.sh scsi: the same on a scsi-hd behind virtio-scsi-pci (sda).
set -u
cd "$(dirname "$0")/../.."
source tests/boot/lib.sh
KEELFS=build/keelfs
[ -x $KEELFS ] || make -s keelfs >/dev/null || fail "cannot build $KEELFS"
ref=$(tools/linux-build.sh sqlite3 2>"$tmp/build.log") || { cat "$tmp/build.log"; fail "cannot build sqlite3 for Linux"; }

cat >"$tmp/create.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, x INTEGER, s TEXT);
CREATE INDEX tx ON t(x);
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000)
INSERT INTO t SELECT i, (i * 7919) % 100003, printf('row %06d', i) FROM c;
COMMIT;
SELECT count(*), sum(x), min(s), max(s) FROM t;
SQL
cat >"$tmp/check.sql" <<'SQL'
PRAGMA integrity_check;
SELECT count(*), sum(x), min(s), max(s) FROM t;
SELECT s FROM t WHERE x = 5;
SQL
"$ref" -batch "$tmp/host.db" <"$tmp/create.sql" >"$tmp/want-create" 2>&1 || fail "sqlite3 on the host failed"
"$ref" -batch "$tmp/host.db" <"$tmp/check.sql" >"$tmp/want-check" 2>&1 || fail "sqlite3 on the host failed"

disk=(--disk "$tmp/img") root=vda
if [ "${1:-}" = scsi ]; then
	root=sda
	disk=(-- -device virtio-scsi-pci,id=scsi0 -drive "if=none,id=d0,file=$tmp/img,format=raw"
		-device scsi-hd,bus=scsi0.0,drive=d0,lun=0)
fi
$KEELFS mkfs "$tmp/img" 256M >"$tmp/mkfs.log" 2>&1 || { cat "$tmp/mkfs.log"; fail "keelfs mkfs"; }
run() { # SQL-FILE OUTPUT
	{
		cat "$1"
		printf '.quit\n'
	} | ./run-qemu.sh --kernel build/sqlite3.elf --accel tcg --timeout 400 --device virtio-rng-pci \
		--append "tty.echo=off root=$root -- -batch /data.db" "${disk[@]}" >"$2" 2>&1
}
run "$tmp/create.sql" "$tmp/out1" || { tr -d '\r' <"$tmp/out1" | tail -30; fail "the first boot failed"; }
tr -d '\r' <"$tmp/out1" | grep -q "^fs: KeelFS on $root at /\$" || fail "the root is not KeelFS on $root"
app_output "$tmp/out1" >"$tmp/got-create"
diff -u "$tmp/want-create" "$tmp/got-create" || fail "the first boot printed something else than the host"
$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems after the first boot"; }

run "$tmp/check.sql" "$tmp/out2" || { tr -d '\r' <"$tmp/out2" | tail -30; fail "the second boot failed"; }
app_output "$tmp/out2" >"$tmp/got-check"
diff -u "$tmp/want-check" "$tmp/got-check" || fail "the second boot found something else than the host"
head -1 "$tmp/got-check" | grep -qx ok || fail "integrity_check is not ok"

$KEELFS get "$tmp/img" /data.db "$tmp/copy.db" >/dev/null 2>&1 || fail "keelfs get /data.db"
[ "$("$ref" "$tmp/copy.db" 'PRAGMA integrity_check; SELECT count(*) FROM t;' | tr '\n' ' ')" = "ok 100000 " ] ||
	fail "the host's sqlite3 does not find the database whole"
$KEELFS fsck "$tmp/img" >"$tmp/fsck.log" 2>&1 || { cat "$tmp/fsck.log"; fail "fsck found problems"; }
echo "PASS: 100,000 rows on KeelFS, found whole after a reboot and by the host, image clean"
