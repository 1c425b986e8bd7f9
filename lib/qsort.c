/*
 * qsort and bsearch.
 *
 * qsort is an introsort: quicksort with a median-of-three pivot (a median
 * of three medians for large ranges), handing any range that is still
 * unsorted after 2 log2(n) levels of partitioning to heapsort, so that no
 * input (sorted, reversed, organ-pipe, or built to defeat the pivot
 * choice) costs more than O(n log n) comparisons. It recurses only into
 * the smaller side of each partition, bounding the stack at O(log n)
 * frames, and allocates nothing: the kernel's allocator may itself be what
 * is being sorted for.
 *
 * Every index stays within [0, n) whatever the comparison function
 * returns: an inconsistent comparison leaves the array unsorted but
 * touches nothing outside it.
 */
#include <stdlib.h>

#include <stdint.h>

typedef int (*compare_fn)(const void *, const void *);

/* See string.c: a word that may be misaligned and alias anything. */
typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) unaligned_word;

/* Ranges this short are finished by insertion sort, which beats
 * partitioning them. */
#define INSERTION_SORT_MAX 12
/* Ranges this long choose their pivot as Tukey's ninther. */
#define NINTHER_MIN 128

struct sort {
	char *base;
	size_t size;
	compare_fn compar;
};

static char *element(const struct sort *s, size_t i) { return s->base + i * s->size; }

static void swap_elements(const struct sort *s, char *a, char *b)
{
	size_t n = s->size;
	for (; n >= sizeof(unaligned_word); n -= sizeof(unaligned_word)) {
		unaligned_word tmp = *(unaligned_word *)a;
		*(unaligned_word *)a = *(unaligned_word *)b;
		*(unaligned_word *)b = tmp;
		a += sizeof(unaligned_word);
		b += sizeof(unaligned_word);
	}
	for (; n > 0; n--, a++, b++) {
		char tmp = *a;
		*a = *b;
		*b = tmp;
	}
}

static __attribute__((noinline)) void insertion_sort(const struct sort *s, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && s->compar(element(s, j - 1), element(s, j)) > 0; j--)
			swap_elements(s, element(s, j - 1), element(s, j));
	}
}

/* Restores the heap order of the n-element heap at s->base below root,
 * whose children are already heaps: the largest element is at the top. */
static void sift_down(const struct sort *s, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && s->compar(element(s, child), element(s, child + 1)) < 0)
			child++;
		if (s->compar(element(s, root), element(s, child)) >= 0)
			return;
		swap_elements(s, element(s, root), element(s, child));
		root = child;
	}
}

static __attribute__((noinline)) void heap_sort(const struct sort *s, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(s, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		swap_elements(s, element(s, 0), element(s, end));
		sift_down(s, 0, end);
	}
}

static char *median_of_three(const struct sort *s, char *a, char *b, char *c)
{
	if (s->compar(a, b) < 0) {
		if (s->compar(b, c) < 0)
			return b;
		return s->compar(a, c) < 0 ? c : a;
	}
	if (s->compar(a, c) < 0)
		return a;
	return s->compar(b, c) < 0 ? c : b;
}

static char *choose_pivot(const struct sort *s, size_t n)
{
	size_t mid = n / 2, last = n - 1;
	if (n < NINTHER_MIN)
		return median_of_three(s, element(s, 0), element(s, mid), element(s, last));
	size_t step = n / 8;
	return median_of_three(
	    s, median_of_three(s, element(s, 0), element(s, step), element(s, 2 * step)),
	    median_of_three(s, element(s, mid - step), element(s, mid), element(s, mid + step)),
	    median_of_three(s, element(s, last - 2 * step), element(s, last - step), element(s, last)));
}

/*
 * Partitions the n > 1 elements around a pivot and returns its final
 * index p: everything before p compares <= the pivot, everything after
 * compares >= it. The pivot waits at index 0 while Hoare's scans move
 * inwards from both ends; both stop on elements equal to the pivot, which
 * splits a run of equal elements down the middle instead of to one side.
 */
static __attribute__((noinline)) size_t partition(const struct sort *s, size_t n)
{
	char *pivot = element(s, 0);
	swap_elements(s, pivot, choose_pivot(s, n));

	size_t i = 1, j = n - 1;
	for (;;) {
		/* [1, i) holds elements <= pivot and (j, n) elements >= it. */
		while (i <= j && s->compar(element(s, i), pivot) < 0)
			i++;
		while (i <= j && s->compar(element(s, j), pivot) > 0)
			j--;
		if (i >= j)
			break;
		swap_elements(s, element(s, i), element(s, j));
		i++;
		j--;
	}
	/* Here j < i, or j == i and element j equals the pivot: either way
	 * element j belongs on the left, so it and the pivot trade places. */
	swap_elements(s, pivot, element(s, j));
	return j;
}

/* Sorts the n elements at s->base, which the call leaves unchanged. Only
 * this function recurses, so what it keeps in its frame is all the stack
 * that grows with n: the partitioning and the heapsort are kept out of
 * line, each adding one frame of its own at the deepest point. */
static void intro_sort(struct sort *s, size_t n, unsigned depth)
{
	char *start = s->base;
	while (n > INSERTION_SORT_MAX) {
		if (depth == 0) {
			heap_sort(s, n);
			break;
		}
		depth--;
		char *left = s->base;
		size_t p = partition(s, n);
		char *right = element(s, p + 1);
		size_t nleft = p, nright = n - p - 1;
		/* Recurse into the smaller side and loop on the larger: each
		 * recursion at least halves n, so the stack stays O(log n). */
		if (nleft < nright) {
			intro_sort(s, nleft, depth);
			s->base = right;
			n = nright;
		} else {
			s->base = right;
			intro_sort(s, nright, depth);
			s->base = left;
			n = nleft;
		}
	}
	/* Unless heapsort has finished the range. */
	if (n <= INSERTION_SORT_MAX)
		insertion_sort(s, n);
	s->base = start;
}

void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *))
{
	if (n < 2 || size == 0)
		return;
	unsigned depth = 0;
	for (size_t m = n; m > 1; m >>= 1)
		depth += 2;
	struct sort s = { .base = base, .size = size, .compar = compar };
	intro_sort(&s, n, depth);
}

void *bsearch(const void *key, const void *base, size_t n, size_t size, int (*compar)(const void *, const void *))
{
	const char *lo = base;
	while (n > 0) {
		/* The range is [lo, lo + n elements); probe its middle. */
		const char *mid = lo + (n / 2) * size;
		int c = compar(key, mid);
		if (c == 0)
			return (void *)mid;
		if (c > 0) {
			lo = mid + size;
			n -= n / 2 + 1;
		} else {
			n /= 2;
		}
	}
	return NULL;
}
