/*
 * mtest's descriptor I/O: pipes, poll and select, epoll, the terminal.
 * Single-threaded: a pipe is written, then read, by the same thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"

static int failures;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A waited timeout took at least what was asked, and not absurdly more. */
#define CHECK_WAITED(start, ms) CHECK(now_ms() - (start) >= (ms) && now_ms() - (start) < (ms) + 2000)

int test_pipe(void)
{
	int p[2];
	char buf[256];
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	CHECK(fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC);
	CHECK(write(p[1], "hello", 5) == 5);
	CHECK(read(p[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
	CHECK(write(p[0], "x", 1) == -1 && errno == EBADF);
	CHECK(read(p[1], buf, 1) == -1 && errno == EBADF);
	/* The ioctls every file takes, as Linux's do_vfs_ioctl: FIONBIO,
	 * FIONCLEX and FIOCLEX. */
	int on = 1, off = 0;
	CHECK(ioctl(p[0], FIONBIO, &on) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK));
	CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN);
	CHECK(ioctl(p[0], FIONBIO, &off) == 0 && !(fcntl(p[0], F_GETFL) & O_NONBLOCK));
	CHECK(ioctl(p[0], FIONCLEX) == 0 && fcntl(p[0], F_GETFD) == 0);
	CHECK(ioctl(p[0], FIOCLEX) == 0 && fcntl(p[0], F_GETFD) == FD_CLOEXEC);

	/* Size: 64 KiB, changed by F_SETPIPE_SZ (rounded up to pages). */
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192 && fcntl(p[0], F_GETPIPE_SZ) == 8192);

	/* Non-blocking: EAGAIN on empty, fill to the size, atomic writes. */
	CHECK(fcntl(p[0], F_GETFL) == O_RDONLY && fcntl(p[1], F_GETFL) == O_WRONLY);
	CHECK(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(p[0], F_GETFL) == (O_RDONLY | O_NONBLOCK));
	CHECK(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
	CHECK(read(p[0], buf, 1) == -1 && errno == EAGAIN);
	memset(buf, 'a', sizeof(buf));
	long total = 0, r;
	while ((r = write(p[1], buf, 100)) > 0)
		total += r;
	CHECK(r == -1 && errno == EAGAIN);
	CHECK(total == 8100); /* 100-byte writes go whole: 92 bytes stay free */
	CHECK(write(p[1], buf, 92) == 92 && write(p[1], buf, 1) == -1 && errno == EAGAIN);
	CHECK(read(p[0], buf, 200) == 200);
	/* More than PIPE_BUF may go in part. */
	static char big[8192];
	CHECK(write(p[1], big, sizeof(big)) == 200);
	while (read(p[0], big, sizeof(big)) > 0)
		;

	/* End of file once the writers are gone, after the data. */
	CHECK(write(p[1], "bye", 3) == 3);
	int w2 = dup(p[1]);
	CHECK(w2 > p[1]);
	CHECK(close(p[1]) == 0);
	CHECK(read(p[0], buf, sizeof(buf)) == 3);
	CHECK(read(p[0], buf, sizeof(buf)) == -1 && errno == EAGAIN); /* w2 still writes */
	CHECK(close(w2) == 0);
	CHECK(read(p[0], buf, sizeof(buf)) == 0);
	CHECK(close(p[0]) == 0);

	/* No reader: EPIPE, and SIGPIPE (ignored here; by default it kills). */
	CHECK(pipe(p) == 0);
	CHECK(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
	CHECK(close(p[0]) == 0);
	CHECK(write(p[1], "x", 1) == -1 && errno == EPIPE);
	CHECK(close(p[1]) == 0);

	/* The dup family on a pipe. */
	CHECK(pipe2(p, 0) == 0);
	CHECK(fcntl(p[0], F_GETFD) == 0);
	int d = fcntl(p[1], F_DUPFD_CLOEXEC, 100);
	CHECK(d == 100 && fcntl(d, F_GETFD) == FD_CLOEXEC);
	CHECK(dup3(p[1], 101, O_CLOEXEC) == 101 && fcntl(101, F_GETFD) == FD_CLOEXEC);
	CHECK(dup2(p[1], 102) == 102 && fcntl(102, F_GETFD) == 0);
	CHECK(dup3(p[1], p[1], 0) == -1 && errno == EINVAL);
	CHECK(write(102, "z", 1) == 1 && read(p[0], buf, 1) == 1 && buf[0] == 'z');
	CHECK(fcntl(p[1], F_SETFD, FD_CLOEXEC) == 0 && fcntl(p[1], F_GETFD) == FD_CLOEXEC);
	CHECK(pipe2(p, 0x40) == -1 && errno == EINVAL);
	int *volatile bad = (int *)16;
	CHECK(pipe(bad) == -1 && errno == EFAULT);
	printf("mtest: pipe done, %d failures\n", failures);
	return failures != 0;
}

int test_poll(void)
{
	int p[2];
	char c;
	CHECK(pipe(p) == 0);
	struct pollfd fds[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { 1, POLLOUT, 0 } };
	CHECK(poll(fds, 3, 1000) == 2 && fds[0].revents == 0 && fds[1].revents == POLLOUT && fds[2].revents == POLLOUT);

	/* Nothing to read: the timeout, measured. */
	long t0 = now_ms();
	CHECK(poll(fds, 1, 50) == 0);
	CHECK_WAITED(t0, 50);
	struct timespec ts = { 0, 30 * 1000000 };
	t0 = now_ms();
	CHECK(ppoll(fds, 1, &ts, NULL) == 0);
	CHECK_WAITED(t0, 30);
	CHECK(write(p[1], "x", 1) == 1);
	CHECK(poll(fds, 1, -1) == 1 && fds[0].revents == POLLIN);

	/* select and pselect on the same pipe. */
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(p[1], &wr);
	CHECK(select(p[1] + 1, &rd, &wr, NULL, NULL) == 2 && FD_ISSET(p[0], &rd) && FD_ISSET(p[1], &wr));
	CHECK(read(p[0], &c, 1) == 1);
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	struct timeval tv = { 0, 40000 };
	t0 = now_ms();
	CHECK(select(p[0] + 1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(p[0], &rd));
	CHECK_WAITED(t0, 40);
	FD_SET(p[0], &rd);
	ts = (struct timespec){ 0, 20 * 1000000 };
	t0 = now_ms();
	CHECK(pselect(p[0] + 1, &rd, NULL, NULL, &ts, NULL) == 0);
	CHECK_WAITED(t0, 20);
	FD_ZERO(&rd);
	FD_SET(77, &rd);
	CHECK(select(78, &rd, NULL, NULL, &tv) == -1 && errno == EBADF);

	/* The writer gone: POLLHUP; a bad descriptor: POLLNVAL. */
	CHECK(close(p[1]) == 0);
	fds[0].events = POLLIN;
	CHECK(poll(fds, 1, 0) == 1 && (fds[0].revents & POLLHUP));
	struct pollfd bad = { 99, POLLIN, 0 };
	CHECK(poll(&bad, 1, 0) == 1 && bad.revents == POLLNVAL);
	CHECK(close(p[0]) == 0);

	/* The console: always writable; nothing typed (the boot tests give
	 * QEMU no input), so reading waits out the timeout. */
	struct pollfd con = { 1, POLLOUT, 0 };
	CHECK(poll(&con, 1, 0) == 1 && con.revents == POLLOUT);
	con = (struct pollfd){ 0, POLLIN, 0 };
	t0 = now_ms();
	CHECK(poll(&con, 1, 30) == 0);
	CHECK_WAITED(t0, 30);
	struct pollfd *volatile badp = (struct pollfd *)16;
	CHECK(poll(badp, 1, 0) == -1 && errno == EFAULT);
	printf("mtest: poll done, %d failures\n", failures);
	return failures != 0;
}

int test_epoll(void)
{
	int p[2];
	char buf[16];
	struct epoll_event ev, out[4];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK(ep >= 0 && fcntl(ep, F_GETFD) == FD_CLOEXEC);
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.u64 = 0x1234567890ull };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == -1 && errno == EEXIST);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev) == -1 && errno == EINVAL);

	long t0 = now_ms();
	CHECK(epoll_wait(ep, out, 4, 40) == 0);
	CHECK_WAITED(t0, 40);

	/* Level-triggered: reported while readable. */
	CHECK(write(p[1], "ab", 2) == 2);
	CHECK(epoll_wait(ep, out, 4, -1) == 1 && out[0].events == EPOLLIN && out[0].data.u64 == 0x1234567890ull);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	/* The epoll descriptor itself polls readable. */
	struct pollfd pf = { ep, POLLIN, 0 };
	CHECK(poll(&pf, 1, 0) == 1 && pf.revents == POLLIN);

	/* Edge-triggered: once per change. */
	ev.events = EPOLLIN | EPOLLET;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(write(p[1], "c", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);

	/* One-shot: once, then nothing until re-armed. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);
	CHECK(write(p[1], "d", 1) == 1);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 1);

	/* Deleted while ready: gone. */
	ev.events = EPOLLIN;
	CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == -1 && errno == ENOENT);

	/* A write end and the console as EPOLLOUT; a blocking wait woken by
	 * data written before it. */
	ev = (struct epoll_event){ .events = EPOLLOUT, .data.fd = p[1] };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);
	ev = (struct epoll_event){ .events = EPOLLOUT, .data.fd = 1 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 1, &ev) == 0);
	CHECK(epoll_wait(ep, out, 4, 0) == 2);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, 1, NULL) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == 0);
	/* The console's input: nothing typed, so the timeout. */
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = 0 };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) == 0);
	t0 = now_ms();
	CHECK(epoll_wait(ep, out, 4, 30) == 0);
	CHECK_WAITED(t0, 30);
	CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL) == 0);
	ev = (struct epoll_event){ .events = EPOLLOUT, .data.fd = p[1] };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0);

	/* The reader gone: the write end reports EPOLLERR. */
	ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.fd = p[0] };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	CHECK(close(p[0]) == 0); /* the last reference: the item goes too */
	CHECK(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.fd == p[1] && (out[0].events & EPOLLERR));
	CHECK(close(p[1]) == 0);
	t0 = now_ms();
	CHECK(epoll_wait(ep, out, 4, 30) == 0);
	CHECK_WAITED(t0, 30);

	/* Hang-up: the writer closes under a waiting reader. */
	CHECK(pipe(p) == 0);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = p[0] };
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK(close(p[1]) == 0);
	CHECK(epoll_wait(ep, out, 4, 1000) == 1 && out[0].events == EPOLLHUP);
	CHECK(close(p[0]) == 0);
	CHECK(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL);
	CHECK(epoll_wait(1, out, 4, 0) == -1 && errno == EINVAL);
	CHECK(close(ep) == 0);
	printf("mtest: epoll done, %d failures\n", failures);
	return failures != 0;
}

/* Reads from descriptor 0 and shows what came, escaped. */
static long show_read(const char *what, size_t len)
{
	char buf[128], shown[512];
	long n = read(0, buf, len);
	size_t k = 0;
	for (long i = 0; i < n && k + 5 < sizeof(shown); i++)
		k += (size_t)snprintf(shown + k, sizeof(shown) - k, buf[i] == '\n' ? "\\n" : "%c", buf[i]);
	shown[k] = 0;
	printf("mtest: %s %ld [%s]\n", what, n, n > 0 ? shown : "");
	fflush(stdout);
	return n;
}

/* Driven from the host by tests/boot/t-musl-tty.sh, which types what
 * each step announces it waits for. */
int test_tty(void)
{
	struct termios t, saved;
	struct winsize ws;
	CHECK(tcgetattr(0, &saved) == 0);
	CHECK((saved.c_lflag & (ICANON | ECHO)) == (ICANON | ECHO) && saved.c_cc[VERASE] == 0177);
	CHECK(ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 80);
	ws.ws_col = 132;
	CHECK(ioctl(1, TIOCSWINSZ, &ws) == 0 && ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_col == 132);
	CHECK(tcgetpgrp(0) == getpid());
	CHECK(tcsetpgrp(0, getpid()) == 0);
	printf("mtest: tty canonical\n");
	fflush(stdout);
	/* Typed: "abc", two erases, "xy\n"; "kill me", ^U, "ok\n";
	 * "partial", ^D; ^D. */
	show_read("line", 100);
	show_read("line", 100);
	show_read("line", 100);
	show_read("eof", 100);

	t = saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_oflag &= ~(tcflag_t)OPOST; /* newlines go out bare */
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 3;
	CHECK(tcsetattr(0, TCSANOW, &t) == 0);
	struct termios back;
	CHECK(tcgetattr(0, &back) == 0 && !(back.c_lflag & ICANON) && back.c_cc[VTIME] == 3);
	CHECK(write(1, "mtest: no cr\n", 13) == 13);
	long t0 = now_ms();
	CHECK(show_read("timeout", 10) == 0);
	CHECK_WAITED(t0, 300);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	CHECK(tcsetattr(0, TCSAFLUSH, &t) == 0);
	printf("mtest: tty raw\n");
	fflush(stdout);
	/* Typed: "xyz" (no newline), then later "q". */
	show_read("raw", 10);
	/* Woken when the byte comes, long before the timeout. */
	struct pollfd pf = { 0, POLLIN, 0 };
	t0 = now_ms();
	CHECK(poll(&pf, 1, 5000) == 1 && pf.revents == POLLIN);
	CHECK(now_ms() - t0 < 2500);
	int avail = -1;
	CHECK(ioctl(0, FIONREAD, &avail) == 0 && avail == 1);
	t.c_cc[VMIN] = 1;
	CHECK(tcsetattr(0, TCSANOW, &t) == 0);
	show_read("raw", 10);
	CHECK(tcsetattr(0, TCSANOW, &saved) == 0);
	printf("mtest: tty done, %d failures\n", failures);
	printf("mtest: tty waiting for ^C\n");
	fflush(stdout);
	char c;
	read(0, &c, 1);
	printf("mtest: survived ^C\n");
	return 1;
}
