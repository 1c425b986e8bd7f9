/*
 * The parts of Linux's x86-64 user ABI the system-call layer speaks: flag
 * values and structure layouts, as the kernel's uapi headers define them
 * (the numbers are generated: build/gen/syscall_nr.h). Only what the
 * families implement.
 */
#ifndef KEEL_SYS_LINUX_H
#define KEEL_SYS_LINUX_H

#include <stdint.h>

#include "syscall_nr.h" /* generated: SYS_* and the names */

/* mmap and friends. */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8

/* arch_prctl. */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* ioctl on a terminal. */
#define TCGETS 0x5401
#define TIOCGWINSZ 0x5413
struct linux_winsize {
	uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};
struct linux_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
_Static_assert(sizeof(struct linux_termios) == 36, "Linux's struct termios (the kernel's, without speeds)");

struct linux_iovec {
	uint64_t base;
	uint64_t len;
};
#define IOV_MAX 1024

/* Time. */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
struct linux_timespec {
	int64_t tv_sec, tv_nsec;
};
struct linux_timeval {
	int64_t tv_sec, tv_usec;
};

/* Signals. */
#define SIGINT 2
#define SIGQUIT 3
#define SIGABRT 6
#define SIGKILL 9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGSTOP 19
#define LINUX_NSIG 64
#define SIG_DFL 0
#define SIG_IGN 1
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
struct linux_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

/* Resources and system information. */
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ull)
struct linux_rlimit {
	uint64_t cur, max;
};
struct linux_utsname {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};
struct linux_sysinfo {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct linux_sysinfo) == 112, "Linux's struct sysinfo on x86-64");
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_SELF 0
#define RUSAGE_THREAD 1
struct linux_rusage {
	struct {
		int64_t tv_sec, tv_usec;
	} utime, stime;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw,
	    nivcsw;
};
_Static_assert(sizeof(struct linux_rusage) == 144, "Linux's struct rusage on x86-64");

/* prctl: a thread's name. */
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_NAME_LEN 16

/* getrandom. */
#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

#endif
