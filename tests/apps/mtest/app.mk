# mtest: the system-call layer under a musl program, one check per
# command-line word (see main.c); the thread tests are in pthreads.c.
APP_SRCS := main.c pthreads.c signals.c
KEEL_DRIVERS :=
