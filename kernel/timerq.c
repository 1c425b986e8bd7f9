/*
 * A sorted, doubly linked list: the queue is short (a timer per sleeping
 * thread and a few for the network stack), an insertion walks it once and
 * a cancellation is constant time.
 */
#include "kernel/timerq.h"

#include <stddef.h>

void timerq_add(struct timerq *q, struct timer *t, uint64_t deadline, timer_fn fn, void *ctx)
{
	t->deadline = deadline;
	t->fn = fn;
	t->ctx = ctx;
	t->armed = true;
	struct timer *prev = NULL, *cur = q->head;
	while (cur && cur->deadline <= deadline) {
		prev = cur;
		cur = cur->next;
	}
	t->prev = prev;
	t->next = cur;
	if (cur)
		cur->prev = t;
	if (prev)
		prev->next = t;
	else
		q->head = t;
	q->count++;
}

bool timerq_cancel(struct timerq *q, struct timer *t)
{
	if (!t->armed)
		return false;
	if (t->prev)
		t->prev->next = t->next;
	else
		q->head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->armed = false;
	q->count--;
	return true;
}

struct timer *timerq_pop_expired(struct timerq *q, uint64_t now)
{
	struct timer *t = q->head;
	if (t == NULL || t->deadline > now)
		return NULL;
	timerq_cancel(q, t);
	return t;
}

uint64_t timerq_next_deadline(const struct timerq *q) { return q->head ? q->head->deadline : UINT64_MAX; }

bool timerq_must_program(const struct timerq *q, uint64_t armed_for) { return timerq_next_deadline(q) < armed_for; }
