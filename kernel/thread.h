/*
 * What fault reports need of threads (arch/x86_64/thread_arch.c).
 */
#ifndef KEEL_THREAD_H
#define KEEL_THREAD_H

#include <stdint.h>

/* The running thread's name. */
const char *thread_current_name(void);

/* The name of the thread whose stack guard page holds addr, or NULL. */
const char *thread_guard_owner(uint64_t addr);

#endif
