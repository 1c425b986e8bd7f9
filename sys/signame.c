/*
 * Signal names, and the default action that ends the process: apart from
 * the signal system calls (sys/signals.c) so that an image that leaves
 * them out (KEEL_SYSCALLS_OUT) still ends as Linux would on a signal from
 * its terminal, which without handlers can only take its default action.
 */
#include "arch/x86_64/power.h"
#include "kernel/console.h"
#include "kernel/exit.h"
#include "sys/signal.h"

/* Names in place, not pointers to them: ten bytes an entry against
 * eight for a pointer and the name beside it. */
static const char signal_names[32][10] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",   [3] = "SIGQUIT",	[4] = "SIGILL",	  [5] = "SIGTRAP",   [6] = "SIGABRT",
	[7] = "SIGBUS",	  [8] = "SIGFPE",   [9] = "SIGKILL",	[10] = "SIGUSR1", [11] = "SIGSEGV",  [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM",	[17] = "SIGCHLD", [18] = "SIGCONT",  [19] = "SIGSTOP",
	[20] = "SIGTSTP", [23] = "SIGURG",  [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
};

const char *signal_name(int sig)
{
	return sig > 0 && sig < 32 && signal_names[sig][0] ? signal_names[sig] : "real-time";
}

void signal_die(int sig)
{
	kprintf("keel: the application was killed by signal %d (%s)\n", sig, signal_name(sig));
	power_exit(KERNEL_EXIT_SIGNAL);
}
