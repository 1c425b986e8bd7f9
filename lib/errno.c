/*
 * errno for a kernel without threads: one global. The definition is weak
 * so that the kernel's thread code, once there is one, can provide a
 * __errno_location that returns the running thread's own variable without
 * anything in lib/ changing.
 */
#include <errno.h>

static int global_errno;

__attribute__((weak)) int *__errno_location(void) { return &global_errno; }
