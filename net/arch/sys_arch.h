/*
 * lwIP's operating-system types on Keel's kernel: semaphores, mutexes and
 * mailboxes (kernel/sync.h), threads (kernel/thread.h). Each carries a
 * flag for lwIP's "valid" checks, since a zeroed kernel object is already
 * a usable one.
 */
#ifndef KEEL_LWIP_ARCH_SYS_ARCH_H
#define KEEL_LWIP_ARCH_SYS_ARCH_H

#include <stdbool.h>

#include "kernel/sync.h"

typedef struct {
	struct sem sem;
	bool valid;
} sys_sem_t;

typedef struct {
	struct mutex mutex;
	bool valid;
} sys_mutex_t;

typedef struct {
	struct mbox mbox;
	bool valid;
} sys_mbox_t;

typedef struct thread *sys_thread_t;

/* SYS_ARCH_PROTECT: preemption held off, which keeps out every other
 * thread (no interrupt handler calls lwIP; net/sys_arch.c says why not
 * interrupts off). Called straight rather than through
 * sys_arch_protect: lwIP takes it several times per segment. */
typedef int sys_prot_t;
void preempt_disable(void);
void preempt_enable(void);
#define SYS_ARCH_DECL_PROTECT(lev) sys_prot_t lev
#define SYS_ARCH_PROTECT(lev)                                                                                          \
	do {                                                                                                           \
		(lev) = 1;                                                                                             \
		preempt_disable();                                                                                     \
	} while (0)
#define SYS_ARCH_UNPROTECT(lev)                                                                                        \
	do {                                                                                                           \
		(void)(lev);                                                                                           \
		preempt_enable();                                                                                      \
	} while (0)

#define sys_sem_valid(s) ((s)->valid)
#define sys_sem_set_invalid(s) ((s)->valid = false)
#define sys_mutex_valid(m) ((m)->valid)
#define sys_mutex_set_invalid(m) ((m)->valid = false)
#define sys_mbox_valid(mb) ((mb)->valid)
#define sys_mbox_set_invalid(mb) ((mb)->valid = false)

/* The size of a mailbox asked for as 0 (lwIP's default for every
 * mailbox it does not size itself). */
#define SYS_MBOX_DEFAULT_SIZE 64

#endif
