/*
 * The singly-linked tail queues of the BSDs' <sys/queue.h>, which musl
 * does not have: only the operations lighttpd's HPACK code (ls-hpack)
 * uses. A head keeps its first element and the address of the link to
 * fill at the tail, so appending never walks the queue; an empty queue's
 * tail link is the head's own first pointer.
 */
#ifndef KEEL_COMPAT_SYS_QUEUE_H
#define KEEL_COMPAT_SYS_QUEUE_H

#include <stddef.h>

#define STAILQ_HEAD(name, type)                                                                                        \
	struct name {                                                                                                  \
		struct type *stqh_first;                                                                               \
		struct type **stqh_last;                                                                               \
	}

#define STAILQ_ENTRY(type)                                                                                             \
	struct {                                                                                                       \
		struct type *stqe_next;                                                                                \
	}

#define STAILQ_FIRST(head) ((head)->stqh_first)
#define STAILQ_EMPTY(head) (STAILQ_FIRST(head) == NULL)
#define STAILQ_NEXT(elm, field) ((elm)->field.stqe_next)

#define STAILQ_INIT(head)                                                                                              \
	do {                                                                                                           \
		STAILQ_FIRST(head) = NULL;                                                                             \
		(head)->stqh_last = &STAILQ_FIRST(head);                                                               \
	} while (0)

#define STAILQ_INSERT_TAIL(head, elm, field)                                                                           \
	do {                                                                                                           \
		STAILQ_NEXT(elm, field) = NULL;                                                                        \
		*(head)->stqh_last = (elm);                                                                            \
		(head)->stqh_last = &STAILQ_NEXT(elm, field);                                                          \
	} while (0)

/* The queue must not be empty. Removing its only element makes the tail
 * link the head's again. */
#define STAILQ_REMOVE_HEAD(head, field)                                                                                \
	do {                                                                                                           \
		STAILQ_FIRST(head) = STAILQ_NEXT(STAILQ_FIRST(head), field);                                           \
		if (STAILQ_FIRST(head) == NULL)                                                                        \
			(head)->stqh_last = &STAILQ_FIRST(head);                                                       \
	} while (0)

#define STAILQ_FOREACH(var, head, field)                                                                               \
	for ((var) = STAILQ_FIRST(head); (var) != NULL; (var) = STAILQ_NEXT(var, field))

#endif
