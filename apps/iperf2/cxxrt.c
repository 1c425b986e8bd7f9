/* The C++ runtime support that code compiled by g++ with -fno-exceptions
 * and -fno-rtti calls, on musl, without libstdc++ (Debian has none for
 * musl): the global operators new and delete on malloc and free, the
 * guards of function-local statics, and the handler of a pure virtual
 * call. Names are the Itanium C++ ABI's mangled ones, which is what the
 * compiler emits; the application links this beside its objects, on Keel
 * and in its static Linux build alike. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void *_Znwm(size_t size);
void *_Znam(size_t size);
void _ZdlPv(void *p);
void _ZdaPv(void *p);
void _ZdlPvm(void *p, size_t size);
void _ZdaPvm(void *p, size_t size);
int __cxa_guard_acquire(uint64_t *guard);
void __cxa_guard_release(uint64_t *guard);
void __cxa_guard_abort(uint64_t *guard);
void __cxa_pure_virtual(void);

/* Without exceptions there is no std::bad_alloc to throw, and the
 * program's code assumes new never gives back NULL: running out of
 * memory ends it, as an uncaught bad_alloc would. A request of zero
 * bytes still gets a pointer of its own, as the standard requires. */
static void *cxx_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p) {
		fprintf(stderr, "operator new: out of memory (%zu bytes)\n", size);
		abort();
	}
	return p;
}

void *_Znwm(size_t size) /* operator new(size_t) */ { return cxx_alloc(size); }

void *_Znam(size_t size) /* operator new[](size_t) */ { return cxx_alloc(size); }

void _ZdlPv(void *p) /* operator delete(void *) */ { free(p); }

void _ZdaPv(void *p) /* operator delete[](void *) */ { free(p); }

void _ZdlPvm(void *p, size_t size) /* operator delete(void *, size_t) */
{
	(void)size;
	free(p);
}

void _ZdaPvm(void *p, size_t size) /* operator delete[](void *, size_t) */
{
	(void)size;
	free(p);
}

/* Guards of function-local statics (Itanium C++ ABI 3.3.2). The guard is
 * 64 bits; its first byte, set once the object is constructed, is what
 * the compiler's inline code reads (with acquire ordering) before it
 * calls here at all. The second byte marks a construction under way, so
 * that a second thread waits for the first instead of constructing the
 * object again. Constructions are rare, so one lock and one condition
 * serve every guard. */
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t guard_done = PTHREAD_COND_INITIALIZER;

static uint8_t *guard_byte(uint64_t *guard, int i) { return (uint8_t *)guard + i; }

/* 1: the caller constructs the object, then calls __cxa_guard_release
 * (or __cxa_guard_abort); 0: it is constructed already. */
int __cxa_guard_acquire(uint64_t *guard)
{
	if (__atomic_load_n(guard_byte(guard, 0), __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&guard_lock);
	while (*guard_byte(guard, 1))
		pthread_cond_wait(&guard_done, &guard_lock);
	int construct = !*guard_byte(guard, 0);
	if (construct)
		*guard_byte(guard, 1) = 1;
	pthread_mutex_unlock(&guard_lock);
	return construct;
}

void __cxa_guard_release(uint64_t *guard)
{
	pthread_mutex_lock(&guard_lock);
	*guard_byte(guard, 1) = 0;
	__atomic_store_n(guard_byte(guard, 0), 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&guard_done);
	pthread_mutex_unlock(&guard_lock);
}

/* The construction failed: the next thread to come tries again. */
void __cxa_guard_abort(uint64_t *guard)
{
	pthread_mutex_lock(&guard_lock);
	*guard_byte(guard, 1) = 0;
	pthread_cond_broadcast(&guard_done);
	pthread_mutex_unlock(&guard_lock);
}

/* A call through a vtable slot of a pure virtual function: a bug of the
 * program (a call from a constructor or destructor of an abstract class). */
void __cxa_pure_virtual(void)
{
	fprintf(stderr, "pure virtual method called\n");
	abort();
}
