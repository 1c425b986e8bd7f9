/*
 * prctl: the calling thread's name.
 */
#include <errno.h>
#include <string.h>

#include "kernel/thread.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/syscall.h"

/* The calling thread's name (servers name their helper threads), which
 * fault reports show. Other options are not supported: -EINVAL, as Linux
 * answers an option it does not know. */
static long sys_prctl(long a0, long a1, long a2, long a3, long a4, long a5)
{
	char name[PR_NAME_LEN];
	switch (a0) {
	case PR_SET_NAME: {
		/* Linux keeps the first 15 bytes of a longer name. */
		const char *src = (const char *)a1;
		size_t n = 0;
		for (; n < PR_NAME_LEN - 1; n++) {
			if (!user_range_ok(src + n, 1))
				return -EFAULT;
			if ((name[n] = src[n]) == '\0')
				break;
		}
		name[n] = '\0';
		thread_set_name(thread_self(), name);
		return 0;
	}
	case PR_GET_NAME:
		if (!user_writable_ok((void *)a1, PR_NAME_LEN))
			return -EFAULT;
		memset(name, 0, sizeof(name));
		strncpy(name, thread_name(thread_self()), PR_NAME_LEN - 1);
		memcpy((void *)a1, name, PR_NAME_LEN);
		return 0;
	default: return -EINVAL;
	}
}
SYSCALL(SYS_prctl, sys_prctl);
