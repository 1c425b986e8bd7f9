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

/* Words a virtual machine monitor appends to the command line for the
 * kernel, after whatever it was given: QEMU's microvm adds a
 * virtio_mmio.device= word for each device when it has no ACPI, behind the
 * application's arguments. They are the kernel's wherever they stand. */
static const char *const appended_prefixes[] = { "virtio_mmio.device=" };

static bool appended_word(const char *w)
{
	for (size_t i = 0; i < sizeof(appended_prefixes) / sizeof(appended_prefixes[0]); i++)
		if (strncmp(w, appended_prefixes[i], strlen(appended_prefixes[i])) == 0)
			return true;
	return false;
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
	/* The kernel's words are words[1 .. k]; appended ones among the
	 * application's move behind them, in order. */
	int k = dashes < 0 ? 0 : dashes - 1;
	for (int j = dashes < 0 ? 1 : dashes + 1; j <= n; j++) {
		if (!appended_word(words[j]))
			continue;
		char *w = words[j];
		memmove(&words[k + 2], &words[k + 1], (size_t)(j - k - 1) * sizeof(*words));
		words[k + 1] = w;
		k++;
	}
	if (dashes < 0) {
		/* No "--": the kernel's words (only appended ones) move down
		 * into the spare slot, and the application's name follows. */
		memmove(&words[0], &words[1], (size_t)k * sizeof(*words));
		out->kargc = k;
		out->kargv = k ? words : words + 1 + n; /* empty: points at the NULL */
		words[k] = (char *)app_name;
		out->argc = n - k + 1;
		out->argv = words + k;
	} else {
		/* Kernel options are words[1 .. k]; the "--" slot takes the
		 * application's name and starts its argv. */
		out->kargc = k;
		out->kargv = words + 1;
		words[k + 1] = (char *)app_name;
		out->argc = n - k;
		out->argv = words + k + 1;
	}
	return 0;
}
