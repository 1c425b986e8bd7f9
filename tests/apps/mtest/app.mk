# mtest: the system-call layer under a musl program, one check per
# command-line word (see main.c).
KEEL_DRIVERS :=
