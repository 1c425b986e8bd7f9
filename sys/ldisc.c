/*
 * The line discipline (sys/ldisc.h). Canonical mode keeps complete lines
 * at the front of the buffer and the line being edited after them; only
 * the line being edited can be erased.
 */
#include "sys/ldisc.h"

#include <string.h>

#define NS_PER_DECISECOND 100000000ull

void ldisc_init(struct ldisc *l)
{
	memset(l, 0, sizeof(*l));
	l->t.c_iflag = ICRNL;
	l->t.c_oflag = OPOST | ONLCR;
	l->t.c_cflag = B115200 | CS8 | CREAD;
	l->t.c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	static const uint8_t cc[19] = {
		[VINTR] = 003,	  [VQUIT] = 034,   [VERASE] = 0177, [VKILL] = 025, [VEOF] = 004,
		[VTIME] = 0,	  [VMIN] = 1,	   [VSTART] = 021,  [VSTOP] = 023, [VSUSP] = 032,
		[VREPRINT] = 022, [VWERASE] = 027, [VLNEXT] = 026,
	};
	memcpy(l->t.c_cc, cc, sizeof(cc));
}

static bool lflag(const struct ldisc *l, uint32_t f) { return (l->t.c_lflag & f) != 0; }

/* Whether c is the control character at index i (0 disables one). */
static bool is_cc(const struct ldisc *l, uint8_t c, int i) { return l->t.c_cc[i] != 0 && c == l->t.c_cc[i]; }

static void echo_raw(struct ldisc *l, uint8_t c)
{
	if (l->echo_len < LDISC_ECHO)
		l->echo[l->echo_len++] = c;
}

static bool shown_as_caret(const struct ldisc *l, uint8_t c)
{
	return lflag(l, ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n';
}

/* A typed character as the terminal shows it: control characters as ^X
 * under ECHOCTL. */
static void echo_char(struct ldisc *l, uint8_t c)
{
	if (shown_as_caret(l, c)) {
		echo_raw(l, '^');
		echo_raw(l, c ^ 0x40);
	} else {
		echo_raw(l, c);
	}
}

static size_t editing_len(const struct ldisc *l) { return l->len - l->committed; }

/* Removes the last character of the line being edited, and from the
 * screen under ECHOE. */
static void erase_one(struct ldisc *l)
{
	if (editing_len(l) == 0)
		return;
	uint8_t c;
	do {
		c = l->buf[--l->len];
		/* A UTF-8 character goes whole: its continuation bytes first. */
	} while ((l->t.c_iflag & IUTF8) && (c & 0xc0) == 0x80 && editing_len(l) > 0);
	if (!lflag(l, ECHO))
		return;
	if (lflag(l, ECHOE)) {
		int columns = shown_as_caret(l, c) ? 2 : 1;
		for (int i = 0; i < columns; i++) {
			echo_raw(l, '\b');
			echo_raw(l, ' ');
			echo_raw(l, '\b');
		}
	} else {
		echo_char(l, l->t.c_cc[VERASE]);
	}
}

static bool is_space(uint8_t c) { return c == ' ' || c == '\t'; }

static void erase_word(struct ldisc *l)
{
	while (editing_len(l) > 0 && is_space(l->buf[l->len - 1]))
		erase_one(l);
	while (editing_len(l) > 0 && !is_space(l->buf[l->len - 1]))
		erase_one(l);
}

static void kill_line(struct ldisc *l)
{
	if (lflag(l, ECHO) && lflag(l, ECHOKE) && lflag(l, ECHOE)) {
		while (editing_len(l) > 0)
			erase_one(l);
		return;
	}
	l->len = l->committed;
	if (lflag(l, ECHO)) {
		echo_char(l, l->t.c_cc[VKILL]);
		if (lflag(l, ECHOK))
			echo_raw(l, '\n');
	}
}

/* Ends the line being edited: it becomes readable. */
static bool commit_line(struct ldisc *l)
{
	if (l->lines == LDISC_LINES)
		return false;
	l->line_len[(l->line_head + l->lines) % LDISC_LINES] = (uint16_t)editing_len(l);
	l->lines++;
	l->committed = l->len;
	return true;
}

void ldisc_flush_input(struct ldisc *l)
{
	l->len = l->committed = 0;
	l->lines = l->line_head = 0;
}

static void append(struct ldisc *l, uint8_t c) { l->buf[l->len++] = c; }

void ldisc_input(struct ldisc *l, uint8_t c, uint64_t now_ns)
{
	l->last_input_ns = now_ns;
	if (l->t.c_iflag & ISTRIP)
		c &= 0x7f;
	if (c == '\r') {
		if (l->t.c_iflag & IGNCR)
			return;
		if (l->t.c_iflag & ICRNL)
			c = '\n';
	} else if (c == '\n' && (l->t.c_iflag & INLCR)) {
		c = '\r';
	}
	if (lflag(l, ISIG) && (is_cc(l, c, VINTR) || is_cc(l, c, VQUIT))) {
		l->signal = is_cc(l, c, VINTR) ? 2 /* SIGINT */ : 3 /* SIGQUIT */;
		if (!lflag(l, NOFLSH))
			ldisc_flush_input(l);
		if (lflag(l, ECHO))
			echo_char(l, c);
		return;
	}
	if (!lflag(l, ICANON)) {
		if (l->len == LDISC_BUF)
			return; /* full: dropped, as n_tty does */
		append(l, c);
		if (lflag(l, ECHO))
			echo_char(l, c);
		return;
	}
	if (is_cc(l, c, VERASE)) {
		erase_one(l);
		return;
	}
	if (is_cc(l, c, VKILL)) {
		kill_line(l);
		return;
	}
	if (lflag(l, IEXTEN) && is_cc(l, c, VWERASE)) {
		erase_word(l);
		return;
	}
	if (is_cc(l, c, VEOF)) {
		/* The line so far becomes readable without a terminator; on an
		 * empty line that is a read of 0 bytes: end of file. */
		commit_line(l);
		return;
	}
	bool ends_line = c == '\n' || is_cc(l, c, VEOL) || is_cc(l, c, VEOL2);
	/* The last byte of room is kept for a line's end, so a full line
	 * can still be finished. */
	if (l->len >= LDISC_BUF - (ends_line ? 0 : 1) || (ends_line && l->lines == LDISC_LINES))
		return;
	append(l, c);
	if (ends_line) {
		commit_line(l);
		if (lflag(l, ECHO) || (c == '\n' && lflag(l, ECHONL)))
			echo_raw(l, c);
		return;
	}
	if (lflag(l, ECHO))
		echo_char(l, c);
}

void ldisc_set_termios(struct ldisc *l, const struct ldisc_termios *t, bool flush)
{
	bool was_canonical = lflag(l, ICANON);
	l->t = *t;
	if (flush) {
		ldisc_flush_input(l);
		return;
	}
	if (was_canonical != lflag(l, ICANON)) {
		/* Into raw mode everything pending becomes readable; into
		 * canonical mode it becomes the line being edited. */
		l->committed = 0;
		l->lines = l->line_head = 0;
	}
}

size_t ldisc_readable(const struct ldisc *l) { return lflag(l, ICANON) ? l->committed : l->len; }

bool ldisc_input_ready(const struct ldisc *l) { return lflag(l, ICANON) ? l->lines > 0 : l->len > 0; }

enum ldisc_verdict ldisc_read_verdict(const struct ldisc *l, size_t len, uint64_t start_ns, uint64_t now_ns,
				      uint64_t *deadline)
{
	*deadline = UINT64_MAX;
	if (lflag(l, ICANON))
		return l->lines > 0 ? LDISC_READ : LDISC_WAIT;
	size_t min = l->t.c_cc[VMIN];
	uint64_t time = l->t.c_cc[VTIME] * NS_PER_DECISECOND;
	if (min == 0) {
		/* VTIME alone is a timeout for the whole read. */
		if (l->len > 0 || time == 0 || now_ns >= start_ns + time)
			return LDISC_READ;
		*deadline = start_ns + time;
		return LDISC_WAIT;
	}
	if (l->len >= (min < len ? min : len))
		return LDISC_READ;
	/* VTIME with VMIN is a timer between bytes, started by the first. */
	if (time > 0 && l->len > 0) {
		uint64_t d = l->last_input_ns + time;
		if (now_ns >= d)
			return LDISC_READ;
		*deadline = d;
	}
	return LDISC_WAIT;
}

static void consume(struct ldisc *l, uint8_t *out, size_t n)
{
	memcpy(out, l->buf, n);
	memmove(l->buf, l->buf + n, l->len - n);
	l->len -= n;
}

size_t ldisc_read(struct ldisc *l, uint8_t *out, size_t len)
{
	if (!lflag(l, ICANON)) {
		size_t n = len < l->len ? len : l->len;
		consume(l, out, n);
		return n;
	}
	if (l->lines == 0)
		return 0;
	uint16_t *line = &l->line_len[l->line_head];
	size_t n = len < *line ? len : *line;
	consume(l, out, n);
	l->committed -= n;
	*line = (uint16_t)(*line - n);
	if (*line == 0) {
		l->line_head = (l->line_head + 1) % LDISC_LINES;
		l->lines--;
	}
	return n;
}

bool ldisc_can_take(const struct ldisc *l)
{
	if (!lflag(l, ICANON))
		return l->len < LDISC_BUF;
	/* A line too long for the buffer must still be able to end, as with
	 * n_tty: with no complete line to read, input is taken (and what does
	 * not fit dropped) until a line ends. */
	if (l->committed == 0)
		return true;
	return l->len < LDISC_BUF - 1 && l->lines < LDISC_LINES;
}
