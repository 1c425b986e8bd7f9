#ifndef KEEL_RANDOM_H
#define KEEL_RANDOM_H

#include <stdbool.h>
#include <stdint.h>

/* The CPU's random number instructions, retried as Intel advises; false
 * when the CPU has none or they keep failing. */
bool cpu_rdrand64(uint64_t *v);
bool cpu_rdseed64(uint64_t *v);
bool cpu_has_rdrand(void);
bool cpu_has_rdseed(void);

#endif
