/*
 * The tail queues of apps/httpd/compat/sys/queue.h, used as lighttpd's
 * HPACK encoder uses them: elements appended at the tail, taken from the
 * head, walked in order, a queue emptied and filled again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "apps/httpd/compat/sys/queue.h"

struct item {
	int value;
	STAILQ_ENTRY(item) next;
	STAILQ_ENTRY(item) other;
};
STAILQ_HEAD(item_queue, item);

/* The values in q, in order, into out: their count. */
static int values(struct item_queue *q, int *out, int max)
{
	int n = 0;
	struct item *it;
	STAILQ_FOREACH(it, q, next)
	{
		if (n < max)
			out[n] = it->value;
		n++;
	}
	return n;
}

static void test_empty(void **state)
{
	struct item_queue q;
	STAILQ_INIT(&q);
	assert_true(STAILQ_EMPTY(&q));
	assert_null(STAILQ_FIRST(&q));
	int v[1];
	assert_int_equal(values(&q, v, 1), 0);
}

static void test_insert_tail_keeps_order(void **state)
{
	struct item items[5];
	struct item_queue q;
	STAILQ_INIT(&q);
	for (int i = 0; i < 5; i++) {
		items[i].value = i * 10;
		STAILQ_INSERT_TAIL(&q, &items[i], next);
	}
	assert_false(STAILQ_EMPTY(&q));
	assert_ptr_equal(STAILQ_FIRST(&q), &items[0]);
	assert_null(STAILQ_NEXT(&items[4], next));
	int v[5];
	assert_int_equal(values(&q, v, 5), 5);
	for (int i = 0; i < 5; i++)
		assert_int_equal(v[i], i * 10);
}

static void test_remove_head(void **state)
{
	struct item items[3] = { { .value = 1 }, { .value = 2 }, { .value = 3 } };
	struct item_queue q;
	STAILQ_INIT(&q);
	for (int i = 0; i < 3; i++)
		STAILQ_INSERT_TAIL(&q, &items[i], next);
	STAILQ_REMOVE_HEAD(&q, next);
	assert_ptr_equal(STAILQ_FIRST(&q), &items[1]);
	int v[3];
	assert_int_equal(values(&q, v, 3), 2);
	assert_int_equal(v[0], 2);
	assert_int_equal(v[1], 3);
	/* An element appended now follows the last one. */
	struct item four = { .value = 4 };
	STAILQ_INSERT_TAIL(&q, &four, next);
	assert_int_equal(values(&q, v, 3), 3);
	assert_int_equal(v[2], 4);
}

/* Emptied by its head, a queue must take its tail link back: an append
 * must not write through the link of an element that left it. */
static void test_emptied_queue_refills(void **state)
{
	struct item a = { .value = 1 }, b = { .value = 2 };
	struct item_queue q;
	STAILQ_INIT(&q);
	STAILQ_INSERT_TAIL(&q, &a, next);
	STAILQ_REMOVE_HEAD(&q, next);
	assert_true(STAILQ_EMPTY(&q));
	STAILQ_INSERT_TAIL(&q, &b, next);
	assert_ptr_equal(STAILQ_FIRST(&q), &b);
	assert_null(STAILQ_NEXT(&a, next));
	int v[2];
	assert_int_equal(values(&q, v, 2), 1);
	assert_int_equal(v[0], 2);
}

/* One element in two queues through two links, as the encoder's table
 * entries are in the table and in a hash bucket. */
static void test_two_links(void **state)
{
	struct item items[4];
	struct item_queue all, odd;
	STAILQ_INIT(&all);
	STAILQ_INIT(&odd);
	for (int i = 0; i < 4; i++) {
		items[i].value = i;
		STAILQ_INSERT_TAIL(&all, &items[i], next);
		if (i % 2)
			STAILQ_INSERT_TAIL(&odd, &items[i], other);
	}
	struct item *it;
	int n = 0;
	STAILQ_FOREACH(it, &odd, other)
	{
		assert_int_equal(it->value % 2, 1);
		n++;
	}
	assert_int_equal(n, 2);
	int v[4];
	assert_int_equal(values(&all, v, 4), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),	    cmocka_unit_test(test_insert_tail_keeps_order),
		cmocka_unit_test(test_remove_head), cmocka_unit_test(test_emptied_queue_refills),
		cmocka_unit_test(test_two_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
