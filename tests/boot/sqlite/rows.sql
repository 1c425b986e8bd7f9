-- The sqlite3 shell on an in-memory database: 100,000 rows made, indexed
-- and aggregated, with floating-point results. The boot test compares the
-- guest's output with the same shell built for the host reading this file.
.bail on
.headers off
.mode list
-- No filesystem yet: the sorter's temporary files stay in memory too.
PRAGMA temp_store = MEMORY;
CREATE TABLE t(id INTEGER PRIMARY KEY, grp INTEGER, x REAL, name TEXT);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO t SELECT i, i % 97, (i * 0.37) / 7.0 + sin(i) , printf('row-%06d', i) FROM n;
COMMIT;
CREATE INDEX t_grp ON t(grp);
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(id), min(name), max(name) FROM t;
SELECT grp, count(*), printf('%.6f', avg(x)), printf('%.6f', sum(x * x)) FROM t WHERE grp IN (0, 1, 42, 96) GROUP BY grp ORDER BY grp;
SELECT printf('%.10f', avg(x)), printf('%.6e', total(x * x * x)), printf('%.12g', max(x) - min(x)) FROM t;
SELECT name FROM t WHERE name BETWEEN 'row-050000' AND 'row-050004' ORDER BY name;
SELECT count(*) FROM t WHERE grp = 13 AND x > 1000.0;
UPDATE t SET x = x * 2 WHERE grp = 5;
DELETE FROM t WHERE id % 10 = 0;
SELECT count(*), printf('%.6f', sum(x)) FROM t;
SELECT printf('%.15g', 0.1 + 0.2), printf('%.17g', 1.0 / 3.0), round(2.5), round(-2.5), 7 / 2, 7 / 2.0, cast('3.5e3' AS REAL);
PRAGMA integrity_check;
SELECT 'sqlite rows: ok';
