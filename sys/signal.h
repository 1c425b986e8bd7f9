/*
 * Signals for the one process (sys/signals.c, sys/sigdeliver.c): what
 * other families of the system-call layer use.
 */
#ifndef KEEL_SYS_SIGNAL_H
#define KEEL_SYS_SIGNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/linux.h"
#include "sys/sigframe.h"
#include "sys/syscall.h"

struct thread;
struct trap_frame;

/* Sends sig to the calling thread, as Linux's send_sig (SIGPIPE on a
 * write to a pipe or socket without readers). Returns 0 or -EINVAL. */
int signal_raise_self(int sig);

/* Sends sig to the process (any thread that does not block it), with
 * si_code code; safe from interrupt handlers (the interval timers). */
int signal_send_process(int sig, int code);

/* A timer's signal (SI_TIMER, with the timer's id and sigev_value) to
 * thread tid, or to the process when tid is 0; from interrupt handlers. */
int signal_send_timer(int sig, int tid, int timer, uint64_t value);

/* Whether a signal waits for the calling thread: a blocking call returns
 * -EINTR (or -ERESTARTSYS) when this becomes true. */
static inline bool signal_pending_current(void) { return sched_current()->sig_work != 0; }

/* The mask of a wait that takes one (rt_sigsuspend, ppoll, pselect6,
 * epoll_pwait): the application's sigset at set (size bytes) replaces
 * the calling thread's mask for the wait, atomically with respect to
 * signals sent meanwhile. Returns 0, -EINVAL or -EFAULT. */
int signal_mask_for_wait(const uint64_t *set, size_t size);
/* After that wait, which answered ret: the old mask back, as Linux's
 * restore_saved_sigmask_unless(ret == -EINTR); a wait a signal ended
 * keeps the wait's mask until that signal's delivery, whose frame gets
 * the old mask (rt_sigreturn restores it), or which restores it itself
 * when no handler runs. */
void signal_mask_after_wait(long ret);

/* The slow part of the system-call exit, taken when the thread's
 * sig_work is set (interrupts disabled, f the call's frame, nr its
 * number): restores the context rt_sigreturn loaded, delivers signals
 * (restarting the call or making it -EINTR), and returns to the
 * application by iretq. */
__attribute__((noreturn)) void signal_syscall_exit(struct syscall_frame *f, long nr);

/* --- between sys/signals.c and sys/sigdeliver.c --- */

/* The disposition of sig (1..64). */
extern struct linux_sigaction signal_actions[];
/* Signals sent to the process that no thread has taken yet. */
extern uint64_t signal_process_pending;

/* Recomputes t->sig_work from its pending and blocked sets. */
void signal_update_work(struct thread *t);
/* Takes sig from t's pending set, else the process's; returns its
 * si_code. Interrupts disabled. */
int signal_take(struct thread *t, int sig);
bool signal_ignored(int sig, uint64_t handler);
/* The siginfo of signal sig taken with si_code code. */
void signal_fill_info(struct linux_siginfo *info, int sig, int code);
const char *signal_name(int sig);
/* The default action "terminate" (or a frame that cannot be written):
 * the VM ends with KERNEL_EXIT_SIGNAL and a line naming sig. */
__attribute__((noreturn)) void signal_die(int sig);

#endif
