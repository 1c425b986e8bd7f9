/*
 * Starting the application, from its thread: the system-call layer
 * (sys/start.c) builds a Linux process's start for a musl application,
 * or calls main directly for one on the kernel's own C library.
 */
#ifndef KEEL_APP_H
#define KEEL_APP_H

#include "kernel/cmdline.h"

/* Returns main's status (kernel's C library), or never (musl: the
 * application ends through exit_group). */
int app_run(const struct cmdline *cl);

#endif
