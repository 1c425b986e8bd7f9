# mtest: the system-call layer under a musl program, one check per
# command-line word (see main.c); the thread tests are in pthreads.c, the
# descriptor tests in io.c, the names under /dev in files.c.
# virtio-console: standard input from its port 0 (t-musl-virtconsole-stdin.sh).
KEEL_DRIVERS := virtio-console virtio-blk
APP_SRCS := main.c pthreads.c registers.c io.c signals.c files.c fsfiles.c fstree.c fscrash.c faults.c vanish.c pmask.c
