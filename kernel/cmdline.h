/*
 * The kernel command line: split into words like a shell would, then
 * divided between the kernel and the application.
 */
#ifndef KEEL_CMDLINE_H
#define KEEL_CMDLINE_H

#include <stdbool.h>

/*
 * Splits s into words in place and stores a pointer to each in argv
 * (at most max; argv[count] is set to NULL, so argv needs max + 1 slots).
 *
 * Words are separated by spaces, tabs, carriage returns and newlines. Single quotes keep
 * everything up to the next single quote; double quotes keep everything
 * up to the next double quote except that \" and \\ stand for " and \;
 * outside quotes a backslash keeps the next character as it is. Quoted
 * and unquoted parts next to each other form one word, and "" is an
 * empty word.
 *
 * Returns the number of words, -E2BIG when there are more than max, or
 * -EINVAL for an unterminated quote. On error argv holds what came before.
 */
int cmdline_split(char *s, char **argv, int max);

/* The words split in two at the first "--": before it, options for the
 * kernel; after it, the application's arguments. Without "--" every word
 * is the application's. Words a virtual machine monitor appends for the
 * kernel (QEMU microvm's virtio_mmio.device=...) are the kernel's wherever
 * they stand, in their order. */
/* kargv holds kargc words (not NULL-terminated); argv is NULL-terminated. */
struct cmdline {
	int kargc;
	char **kargv;
	int argc; /* counts argv[0], the application's name */
	char **argv;
};

/* The most words a string of size bytes (its NUL included) can hold:
 * every word but the last takes at least a character and a separator.
 * Sizing words[] with it bounds the command line by its own size only. */
#define CMDLINE_WORDS_MAX(size) ((size) / 2 + 1)

/* Splits s (in place) into at most max words stored in words[] (max + 2
 * slots: one for the application's name, one for the NULL) and fills out;
 * argv[0] is app_name. Returns 0 or the error of cmdline_split. */
int cmdline_parse(char *s, const char *app_name, char **words, int max, struct cmdline *out);

#endif
