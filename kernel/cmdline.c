/*
 * Splitting the command line. The rules are the common subset of the
 * POSIX shell's quoting that a user typing a QEMU -append or a GRUB
 * menu line expects; nothing is expanded.
 */
#include "kernel/cmdline.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

static int is_separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int cmdline_split(char *s, char **argv, int max)
{
	int argc = 0;
	char *in = s, *out = s;

	argv[0] = NULL;
	for (;;) {
		while (is_separator(*in))
			in++;
		if (*in == '\0')
			return argc;
		if (argc == max)
			return -E2BIG;

		/* Words only shrink as quotes are removed, so each word is
		 * written back over the text it came from. */
		char *word = out;
		while (*in != '\0' && !is_separator(*in)) {
			char c = *in++;
			if (c == '\'') {
				while (*in != '\'') {
					if (*in == '\0')
						return -EINVAL;
					*out++ = *in++;
				}
				in++;
			} else if (c == '"') {
				while (*in != '"') {
					if (*in == '\0')
						return -EINVAL;
					if (*in == '\\' && (in[1] == '"' || in[1] == '\\'))
						in++;
					*out++ = *in++;
				}
				in++;
			} else if (c == '\\' && *in != '\0') {
				*out++ = *in++;
			} else {
				*out++ = c;
			}
		}
		/* The separator (or the end) after the word becomes its NUL;
		 * out never passes in, so nothing unread is overwritten. */
		int at_end = *in == '\0';
		*out++ = '\0';
		if (!at_end)
			in++;
		argv[argc++] = word;
		argv[argc] = NULL;
		if (at_end)
			return argc;
	}
}

int cmdline_parse(char *s, const char *app_name, char **words, int max, struct cmdline *out)
{
	/* words[0] is kept for the application's name, so that argv can be
	 * words + k for either split without moving anything. */
	int n = cmdline_split(s, words + 1, max);
	if (n < 0)
		return n;

	int dashes = -1;
	for (int i = 1; i <= n; i++) {
		if (strcmp(words[i], "--") == 0) {
			dashes = i;
			break;
		}
	}
	if (dashes < 0) {
		out->kargc = 0;
		out->kargv = words + 1 + n; /* an empty list: points at the NULL */
		words[0] = (char *)app_name;
		out->argc = n + 1;
		out->argv = words;
	} else {
		/* Kernel options are words[1 .. dashes-1]; the "--" slot takes
		 * the application's name and starts its argv. */
		out->kargc = dashes - 1;
		out->kargv = words + 1;
		words[dashes] = (char *)app_name;
		out->argc = n - dashes + 1;
		out->argv = words + dashes;
	}
	return 0;
}
