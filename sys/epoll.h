/*
 * epoll: an interest set of (descriptor, file) pairs and a ready list,
 * itself a file (pollable, nestable). Items watch their files
 * (struct file_watch); a notification puts an item on the ready list and
 * epoll_collect asks each ready file for the truth, as Linux's
 * ep_send_events does: level-triggered items go back on the list after
 * they report, edge-triggered ones wait for the next notification,
 * one-shot ones are disarmed until EPOLL_CTL_MOD. Pure logic apart from
 * epoll_wait's blocking: host-tested.
 */
#ifndef KEEL_SYS_EPOLL_H
#define KEEL_SYS_EPOLL_H

#include <stdint.h>

#include "sys/fd.h"

#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

/* Linux's struct epoll_event on x86-64: packed, 12 bytes. */
struct epoll_event {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct epoll_event) == 12, "Linux's x86-64 epoll_event is packed");

/* A new epoll file with one reference (the caller's), or NULL. */
struct file *epoll_create(void);
/* Whether f is an epoll file. */
bool file_is_epoll(const struct file *f);
/* EPOLL_CTL_*: 0 or -errno (EEXIST, ENOENT, EINVAL, ELOOP, ENOMEM). fd and
 * target identify the item, as Linux keys it on both. */
int epoll_ctl(struct file *ep, int op, int fd, struct file *target, const struct epoll_event *ev);
/* Up to max ready events into out, without waiting. */
int epoll_collect(struct file *ep, struct epoll_event *out, int max);
/* Waits until an event is ready or deadline (kernel/clock.h); returns how
 * many were stored (0 at the deadline). */
int epoll_wait_until(struct file *ep, struct epoll_event *out, int max, uint64_t deadline);

#endif
