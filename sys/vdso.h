/*
 * The vDSO: the clock calls as functions the application calls directly,
 * found by musl through the auxiliary vector's AT_SYSINFO_EHDR
 * (sys/vdso_image.h). They give the system calls' answers without the
 * `syscall` instruction and the entry's work around it; Redis, lighttpd
 * and most servers read the clock several times per request.
 */
#ifndef KEEL_SYS_VDSO_H
#define KEEL_SYS_VDSO_H

#include <stdint.h>

/* The entries (sys/time.c): Linux's vDSO's signatures and answers, 0 or
 * -errno. They run on the application's stack, preemptible but for
 * preempt_disable() around the answer, as the system call would be. A
 * clock is an int (clockid_t), not a long: a caller may leave the upper
 * half of its register undefined, as the ABI allows. */
int vdso_clock_gettime(int clk, void *ts);
int vdso_clock_getres(int clk, void *ts);
int vdso_gettimeofday(void *tv, void *tz);
long vdso_time(long *t);

/* The image's address for AT_SYSINFO_EHDR, built on the first call;
 * 0 when the image has none of the entries (sys/time.c left out). */
uintptr_t vdso_base(void);

#endif
