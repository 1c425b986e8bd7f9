/*
 * The start of a musl application, as Linux starts a static program: an
 * 8 MiB main stack (or the size of the kernel option stack=SIZE) with a
 * guard page, argc, argv, the environment and the
 * auxiliary vector laid out on it (sys/auxv.c), the console on
 * descriptors 0 to 2, then musl's __libc_start_main. An application on
 * the kernel's own C library (APP_LIBC := keel) gets a plain main call.
 *
 * The environment: PATH, HOME and TERM by default; the kernel option
 * env.NAME=VALUE (before "--" on the command line) sets or adds one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/syscall.h"
#include "kernel/clock.h"
#include "kernel/exit.h"
#include "kernel/sync.h"
#include "kernel/thread.h"
#include "kernel/app.h"
#include "kernel/console.h"
#include "kernel/option.h"
#include "kernel/mm/mm.h"
#include "kernel/panic.h"
#include "kernel/sched.h"
#include "sys/auxv.h"
#include "sys/linux.h"
#include "sys/process.h"
#include "sys/stack_size.h"
#include "sys/vdso.h"

#define GUARD VM_PAGE
#define PT_TLS 7

int main(int argc, char **argv);
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void), void (*fini)(void),
		      void (*ldso)(void)) __attribute__((weak));
/* The vDSO may stay out of an image (KEEL_SYSCALLS_OUT: sys/vdso.c). */
extern __typeof__(vdso_base) vdso_base __attribute__((weak));

extern const char __rodata_start[], __rodata_end[], __app_data_start[], __app_data_end[];
extern const char __app_bss_start[], __app_bss_end[];
extern const char __tdata_start[], __tdata_end[], __tbss_end[], __tls_align[];

static const char *const default_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/", "TERM=linux" };

#define DEFAULT_ENVC (sizeof(default_env) / sizeof(default_env[0]))

/* How many variables build_env may produce: the defaults and one per
 * env. option, so the command line alone bounds the environment. */
static size_t env_capacity(const struct cmdline *cl)
{
	size_t n = DEFAULT_ENVC;
	for (int i = 0; i < cl->kargc; i++)
		if (strncmp(cl->kargv[i], "env.", 4) == 0)
			n++;
	return n;
}

/* Defaults first, then env.NAME=VALUE options, each replacing a variable
 * of the same name. env holds env_capacity(cl) entries. */
static int build_env(const struct cmdline *cl, char **env)
{
	int n = 0;
	for (size_t i = 0; i < DEFAULT_ENVC; i++)
		env[n++] = (char *)default_env[i];
	for (int i = 0; i < cl->kargc; i++) {
		char *opt = cl->kargv[i];
		if (strncmp(opt, "env.", 4) != 0)
			continue;
		char *var = opt + 4, *eq = strchr(var, '=');
		if (eq == NULL || eq == var)
			continue; /* named by check_env_option */
		int j = 0;
		while (j < n && !(strncmp(env[j], var, (size_t)(eq - var) + 1) == 0))
			j++;
		env[j] = var;
		if (j == n)
			n++;
	}
	return n;
}

/* env.NAME=VALUE: applied by build_env when the application starts;
 * checked here, when the boot log can still say what is wrong with it. */
static void check_env_option(const char *var)
{
	const char *eq = strchr(var, '=');
	if (eq == NULL || eq == var)
		kwarn("keel: kernel option 'env.%s' is not env.NAME=VALUE (ignored)\n", var);
}
KERNEL_OPTION("env.", check_env_option);

void app_memory_init(void)
{
	const unsigned r = PROT_READ, rw = PROT_READ | PROT_WRITE;
	struct {
		const char *start, *end;
		unsigned prot;
	} image[] = {
		{ __app_text_start, __app_text_end, PROT_READ | PROT_EXEC },
		/* All read-only data: the linker merges equal string
		 * constants of the application and the kernel into one. */
		{ __rodata_start, __rodata_end, r },
		{ __app_data_start, __app_data_end, rw },
		{ __tdata_start, __tdata_end, r },
		{ __app_bss_start, __app_bss_end, rw },
	};
	for (size_t i = 0; i < sizeof(image) / sizeof(image[0]); i++)
		if ((uintptr_t)image[i].end > (uintptr_t)image[i].start &&
		    vm_insert(&app_vm, (uintptr_t)image[i].start, (uintptr_t)image[i].end, image[i].prot, VM_IMAGE))
			panic("app: the image's regions overlap");
}

/* stack=SIZE: recorded when options are applied, read when the
 * application starts (sys/stack_size.h). */
static const char *stack_option;

static void set_stack(const char *value) { stack_option = value; }
KERNEL_OPTION("stack=", set_stack);

static uint64_t stack_size(void)
{
	uint64_t size = STACK_SIZE_DEFAULT;
	if (stack_option && stack_size_parse(stack_option, &size)) {
		kwarn("keel: stack=%s is not a size from 64K to 1G; the stack is 8 MiB\n", stack_option);
		size = STACK_SIZE_DEFAULT;
	}
	return size;
}

/* Where %fs points until musl sets up its thread pointer: zeros, so the
 * stack protector's reads at %fs:0x28 find a valid address. */
static uint64_t early_tls[8];

int app_run(const struct cmdline *cl)
{
	if (!__libc_start_main)
		return main(cl->argc, cl->argv);

	app_hlt_sites_trap();
	app_memory_init();
	console_files_init(&app_fds);

	uint64_t stack = stack_size();
	uint64_t pages = (stack + GUARD) / VM_PAGE;
	uint64_t base = mm_alloc_pages(pages);
	if (base == 0)
		panic("app: no memory for the application's %llu KiB stack", (unsigned long long)(stack >> 10));
	if (paging_map(base, GUARD, MAP_NONE) ||
	    vm_insert(&app_vm, base + GUARD, base + GUARD + stack, PROT_READ | PROT_WRITE, VM_STACK))
		panic("app: cannot set up the application's stack");

	char **env = malloc((env_capacity(cl) + 1) * sizeof(*env));
	if (env == NULL)
		panic("app: no memory for the environment");
	static struct initial_stack s;
	s.argc = cl->argc;
	s.argv = cl->argv;
	s.envc = build_env(cl, env);
	s.envp = env;
	random_fill_quiet(s.random, sizeof(s.random));
	unsigned n = 0;
	s.aux[n][0] = AT_PAGESZ, s.aux[n++][1] = VM_PAGE;
	s.aux[n][0] = AT_CLKTCK, s.aux[n++][1] = 100;
	s.aux[n][0] = AT_HWCAP, s.aux[n++][1] = arch_hwcap();
	s.aux[n][0] = AT_UID, s.aux[n++][1] = 0;
	s.aux[n][0] = AT_EUID, s.aux[n++][1] = 0;
	s.aux[n][0] = AT_GID, s.aux[n++][1] = 0;
	s.aux[n][0] = AT_EGID, s.aux[n++][1] = 0;
	s.aux[n][0] = AT_SECURE, s.aux[n++][1] = 0;
	s.aux[n][0] = AT_RANDOM, s.aux[n++][1] = 0;
	/* The vDSO, unless the image left it out (KEEL_SYSCALLS_OUT). */
	uintptr_t vdso = vdso_base ? vdso_base() : 0;
	if (vdso)
		s.aux[n][0] = AT_SYSINFO_EHDR, s.aux[n++][1] = vdso;
	/* Thread-local storage: musl finds its initial image through the
	 * program headers; a PT_TLS alone (no PT_PHDR) means the addresses
	 * are absolute, as they are here. */
	static struct elf64_phdr {
		uint32_t type, flags;
		uint64_t offset, vaddr, paddr, filesz, memsz, align;
	} tls;
	if ((uintptr_t)__tbss_end > (uintptr_t)__tdata_start) {
		tls = (struct elf64_phdr){ .type = PT_TLS,
					   .flags = 4,
					   .vaddr = (uintptr_t)__tdata_start,
					   .paddr = (uintptr_t)__tdata_start,
					   .filesz = (uintptr_t)(__tdata_end - __tdata_start),
					   .memsz = (uintptr_t)(__tbss_end - __tdata_start),
					   .align = (uintptr_t)__tls_align };
		s.phdr = &tls;
		s.phdr_bytes = sizeof(tls);
		s.aux[n][0] = AT_PHDR, s.aux[n++][1] = 0;
		s.aux[n][0] = AT_PHENT, s.aux[n++][1] = sizeof(tls);
		s.aux[n][0] = AT_PHNUM, s.aux[n++][1] = 1;
	}
	s.naux = n;
	uint64_t sp = initial_stack_build(base + GUARD, base + GUARD + stack, &s);
	if (sp == 0)
		panic("app: the arguments and environment do not fit on the stack");

	/* The application's first thread, like those it clones: preempted
	 * on a slice, its FPU state and FS base kept across switches. */
	arch_set_fs_base((uintptr_t)early_tls);
	sched_set_preemptible(sched_current(), true);
	app_enter(sp, (void *)__libc_start_main, (void *)main, cl->argc, (void *)(uintptr_t)(sp + 8));
}
