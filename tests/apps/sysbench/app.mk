# System-call, thread switch and futex wake costs (bench/sys.sh): the same
# source runs as a Linux program in the Linux guest and on the host.
KEEL_DRIVERS :=
