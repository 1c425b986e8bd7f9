/*
 * The line discipline of a terminal, as Linux's n_tty does it for a
 * program on a serial console: bytes typed go through the input flags
 * (ICRNL, ...), canonical mode edits a line (VERASE, VKILL, VWERASE) until
 * a newline or VEOF ends it, ISIG turns VINTR and VQUIT into signals, ECHO
 * shows what was typed; raw mode hands bytes over as they come, with
 * VMIN and VTIME deciding when a read returns.
 *
 * Pure logic: the tty (sys/console.c) feeds bytes with the time they
 * arrived, sends the echo, raises the signal, and blocks as
 * ldisc_read_verdict says. Host-tested.
 */
#ifndef KEEL_SYS_LDISC_H
#define KEEL_SYS_LDISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux's struct termios as TCGETS/TCSETS pass it (the kernel's, without
 * the speeds). */
struct ldisc_termios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};
_Static_assert(sizeof(struct ldisc_termios) == 36, "Linux's struct termios");

/* c_cc indices, Linux's. */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16

/* c_iflag. */
#define IGNBRK 0000001
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IXON 0002000
#define IUTF8 0040000
/* c_oflag. */
#define OPOST 0000001
#define ONLCR 0000004
/* c_cflag. */
#define B115200 0010002
#define CS8 0000060
#define CREAD 0000200
/* c_lflag. */
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000

/* What a terminal holds: Linux's N_TTY_BUF_SIZE. */
#define LDISC_BUF 4096
/* Lines waiting to be read, at most. */
#define LDISC_LINES 256
#define LDISC_ECHO 512

struct ldisc {
	struct ldisc_termios t;
	uint8_t buf[LDISC_BUF];
	size_t len;	  /* bytes in buf */
	size_t committed; /* canonical: bytes in complete lines, from buf[0] */
	/* Canonical: the lengths of the complete lines, oldest first (a line
	 * ended by VEOF has no terminator; an empty one is end of file). */
	uint16_t line_len[LDISC_LINES];
	unsigned line_head, lines;
	uint64_t last_input_ns; /* when the last byte arrived */
	/* Output the caller owes the terminal (the echo), and a signal to
	 * raise (0: none); the caller takes both after ldisc_input. */
	uint8_t echo[LDISC_ECHO];
	size_t echo_len;
	int signal;
};

/* A terminal as Linux sets up a serial console: 115200 8N1, canonical
 * with echo, ICRNL, OPOST|ONLCR, the usual control characters. */
void ldisc_init(struct ldisc *l);

/* Whether another byte typed now would be kept: the taker leaves input
 * where it is (the console's ring, the UART, the host) while this says
 * no, as Linux throttles a tty whose reader is behind. */
bool ldisc_can_take(const struct ldisc *l);

/* One byte typed, at now_ns. */
void ldisc_input(struct ldisc *l, uint8_t c, uint64_t now_ns);

/* New settings (TCSETS). flush (TCSETSF) discards pending input first. */
void ldisc_set_termios(struct ldisc *l, const struct ldisc_termios *t, bool flush);
void ldisc_flush_input(struct ldisc *l);

/* Bytes a read could take now (FIONREAD): complete lines in canonical
 * mode, everything in raw mode. */
size_t ldisc_readable(const struct ldisc *l);
/* Whether a read would return now (poll's POLLIN): a complete line
 * (possibly end of file) in canonical mode, a byte in raw mode. */
bool ldisc_input_ready(const struct ldisc *l);

enum ldisc_verdict { LDISC_READ, LDISC_WAIT };
/* What a blocking read of len bytes that began at start_ns should do at
 * now_ns: LDISC_READ (ldisc_read now, which may give 0 bytes: end of file
 * or VTIME expired) or LDISC_WAIT for more input until *deadline
 * (UINT64_MAX: no limit). */
enum ldisc_verdict ldisc_read_verdict(const struct ldisc *l, size_t len, uint64_t start_ns, uint64_t now_ns,
				      uint64_t *deadline);
/* Takes up to len bytes: canonical mode at most one line. Returns the
 * count (0 at end of file or when nothing is there). */
size_t ldisc_read(struct ldisc *l, uint8_t *out, size_t len);

#endif
