/*
 * assert(), reported through __assert_fail, which the kernel implements.
 *
 * C requires that this header can be included again after NDEBUG changes,
 * redefining assert each time, so only the declaration is guarded.
 */
#ifndef KEEL_LIBC_ASSERT_H
#define KEEL_LIBC_ASSERT_H

_Noreturn void __assert_fail(const char *expr, const char *file, int line, const char *func);

#define static_assert _Static_assert

#endif

#undef assert
#ifdef NDEBUG
#define assert(expr) ((void)0)
#else
#define assert(expr) ((expr) ? (void)0 : __assert_fail(#expr, __FILE__, __LINE__, __func__))
#endif
