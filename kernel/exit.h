/*
 * The end of the virtual machine, and the statuses the kernel reserves.
 *
 * The status reaches the host through QEMU's (and bhyve's) isa-debug-exit
 * port, which has room for 7 bits. Statuses 0 to KERNEL_EXIT_MAX_APP are
 * the application's; the kernel reserves the rest. include/keel.h keeps
 * its own copies (KEEL_EXIT_*), checked equal in kernel/keel_api.c.
 */
#ifndef KEEL_EXIT_H
#define KEEL_EXIT_H

#define KERNEL_EXIT_MAX_APP 123
#define KERNEL_EXIT_OUT_OF_RANGE 124 /* main returned a status outside 0..123 */
#define KERNEL_EXIT_PANIC 125	     /* the kernel panicked */
#define KERNEL_EXIT_EXCEPTION 126    /* a CPU exception (a fault), or a crash in the C library (hlt) */
#define KERNEL_EXIT_SIGNAL 127	     /* a signal's default action ended the application (abort()) */

/* Ends the VM with status (0 to KERNEL_EXIT_MAX_APP; anything else is
 * reported and becomes KERNEL_EXIT_OUT_OF_RANGE). Does not return. */
__attribute__((noreturn)) void kernel_exit(int status);

#endif
