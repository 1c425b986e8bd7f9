# The memory report and the soak: sourced by tests/boot/cases.sh.

# mem.report=SECONDS prints the kernel's memory once a second here
# (kernel/memreport.h), then what the image's subsystems add (ktest has
# KeelFS: its cache's blocks); a value that is not a whole number of
# seconds is named and ignored.
boot_test mem-report 0 'keel: mem t=1\.[0-9]{3} heap_used=[0-9]+ heap_bytes=[0-9]+ heap_allocs=[0-9]+ free_pages=[0-9]+( [a-z_]+=[0-9]+)*$' \
	'keel: mem t=2\.[0-9]{3} ' 'keel: exit status 0' -- --kernel "$K" --append "mem.report=1 -- sleep-wall 2500"
boot_test mem-report-bad 0 'mem.report=1s is not a whole number of seconds' '!keel: mem t=' 'keel: exit status 0' \
	-- --kernel "$K" --append "mem.report=1s -- sleep-wall 1200"

# The soak's own logic (bench/soak.py): the heap rule, the report's
# parsing, the disk's slots.
script_test soak-selftest python3 bench/soak.py selftest

# Two minutes of the soak (bench/soak.sh): the appliances under load on a
# lossy link with a disk written beside them, the heap flat. It starts
# first, so its two minutes pass beside the other tests, and niced, so the
# tests that time their guests are not the ones that wait for the CPU.
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || [ ! -c /dev/net/tun ]; then
	skip_test soak "needs root, ip and /dev/net/tun to make taps in network namespaces"
else
	script_test soak nice -n 10 bench/soak.sh 120
	first_test soak
fi
