/*
 * Kernel options: the command-line words before "--" (kernel/cmdline.h).
 * Each is registered where it takes effect, with KERNEL_OPTION:
 *
 *	KERNEL_OPTION("quiet", set_quiet);             a flag: set_quiet(NULL)
 *	KERNEL_OPTION("virtio.irq=", set_virtio_irq);  set_virtio_irq("msi") for virtio.irq=msi
 *	KERNEL_OPTION("env.", set_env);                set_env("TERM=vt100") for env.TERM=vt100
 *
 * A name ending in '=' takes a value, one ending in '.' is a prefix
 * whose handler takes the rest of the word; any other name is a flag,
 * matched as a whole word. Options are applied before the boot log starts, from
 * the boot thread, before memory is set up: a handler only records what
 * it is given (the string stays valid for the whole run).
 */
#ifndef KEEL_OPTION_H
#define KEEL_OPTION_H

struct kernel_option {
	const char *name;
	void (*set)(const char *value);
};

#define OPTION_CONCAT2(a, b) a##b
#define OPTION_CONCAT(a, b) OPTION_CONCAT2(a, b)

#define KERNEL_OPTION(nm, fn)                                                                                          \
	static const struct kernel_option OPTION_CONCAT(kernel_option_, __LINE__)                                      \
	    __attribute__((used, section(".kernel_options"), aligned(8))) = { .name = nm, .set = fn }

/* Every option in the image (linker.ld). */
extern const struct kernel_option __kernel_options_start[], __kernel_options_end[];

/* Applies word through the first of [first, last) that matches it.
 * Returns 0, or -ENOENT when none does (the caller warns). */
int kernel_option_apply(const struct kernel_option *first, const struct kernel_option *last, const char *word);

#endif
