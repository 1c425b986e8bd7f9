/*
 * The vDSO's image in the kernel, made of the entries this image has
 * (sys/time.c may be left out, KEEL_SYSCALLS_OUT).
 */
#include "sys/vdso.h"

#include "kernel/panic.h"
#include "sys/vdso_image.h"

extern __typeof__(vdso_clock_gettime) vdso_clock_gettime __attribute__((weak));
extern __typeof__(vdso_clock_getres) vdso_clock_getres __attribute__((weak));
extern __typeof__(vdso_gettimeofday) vdso_gettimeofday __attribute__((weak));
extern __typeof__(vdso_time) vdso_time __attribute__((weak));

/* Room for the four entries with their names (about 520 bytes). */
static uint8_t image[768] __attribute__((aligned(64)));

uintptr_t vdso_base(void)
{
	static uintptr_t base;
	if (base)
		return base;
	const struct vdso_sym all[] = {
		{ "__vdso_clock_gettime", (uintptr_t)vdso_clock_gettime },
		{ "__vdso_clock_getres", (uintptr_t)vdso_clock_getres },
		{ "__vdso_gettimeofday", (uintptr_t)vdso_gettimeofday },
		{ "__vdso_time", (uintptr_t)vdso_time },
	};
	struct vdso_sym syms[sizeof(all) / sizeof(all[0])];
	unsigned n = 0;
	for (unsigned i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i].addr)
			syms[n++] = all[i];
	if (n == 0)
		return 0;
	if (!vdso_image_build(image, sizeof(image), syms, n))
		panic("vdso: the image needs %zu bytes, it has %zu", vdso_image_size(syms, n), sizeof(image));
	base = (uintptr_t)image;
	return base;
}
