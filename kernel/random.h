/*
 * The CPU's random number generator for the portable layers, which may
 * not reach into arch/ (the arch layer implements it:
 * arch/x86_64/random.c).
 */
#ifndef KEEL_RANDOM_H_PORTABLE
#define KEEL_RANDOM_H_PORTABLE

#include <stdbool.h>
#include <stdint.h>

/* 64 bits from the CPU's generator (RDRAND), or false when it has none
 * that works. One source alone: kernel/entropy.h is what mixes it with
 * the devices' for anything that must not be guessed. Never waits; from
 * any context. */
bool cpu_random64(uint64_t *v);

#endif
