/*
 * Pipes: a bounded ring between a read end and a write end, each a file.
 * Reads block while the ring is empty and a writer remains (then EOF);
 * writes block while it is full, and a write of at most PIPE_BUF bytes
 * goes in whole or not at all; with no reader left a write fails with
 * EPIPE and raises SIGPIPE. Host-tested over the host scheduler.
 */
#ifndef KEEL_SYS_PIPE_H
#define KEEL_SYS_PIPE_H

#include "sys/fd.h"

#define PIPE_BUF 4096
#define PIPE_DEFAULT_SIZE 65536
/* What an unprivileged Linux process may ask (/proc/sys/fs/pipe-max-size). */
#define PIPE_MAX_SIZE 1048576
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032

/* Makes a pipe: ends[0] to read, ends[1] to write, each with one
 * reference. Returns 0 or -ENOMEM. */
int pipe_create(struct file *ends[2]);

/* Called when a write finds no reader (the kernel raises SIGPIPE). */
extern void (*pipe_broken_hook)(void);

#endif
