# mtest: the system-call layer under a musl program, one check per
# command-line word (see main.c); the thread tests are in pthreads.c, the
# descriptor tests in io.c, the names under /dev in files.c.
# virtio-console: standard input from its port 0 (t-musl-virtconsole-stdin.sh).
# virtio-blk: the disk filesystem tests (fstree.c, fscrash.c). The network
# stack and virtio-net for the socket tests in sockets.c (the loopback, and
# the resolver through the user network; udpflood.c through the device).
# virtio-balloon: allocations past the free memory while it is inflated
# (balloon.c, tests/boot/t-balloon-oom.sh).
# virtio-rng: with the others, all six kinds of virtio device in one image
# (devices.c, tests/boot/t-virtio-six.sh).
KEEL_DRIVERS := virtio-rng virtio-console virtio-blk virtio-scsi virtio-net virtio-balloon
KEEL_NET := yes
APP_SRCS := main.c pthreads.c registers.c io.c signals.c files.c fsfiles.c fstree.c fscrash.c faults.c vanish.c pmask.c \
	sockets.c unix.c eventfd.c udpflood.c balloon.c devices.c sha256.c mount.c vdso.c
