/*
 * ktest: the kernel's boot tests, one subcommand each, run by
 * tests/boot/ under QEMU. The exit status is the verdict; what the test
 * prints is what the boot test checks besides.
 */
#include <keel.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktest.h"

static int t_exit(int argc, char **argv)
{
	if (argc < 2)
		return 1;
	return (int)strtol(argv[1], NULL, 0);
}

static int t_args(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		printf("ktest: arg %d [%s]\n", i, argv[i]);
	return 0;
}

/* With no IDT, the breakpoint cannot be delivered: a triple fault, which
 * QEMU under -no-reboot turns into an exit with code 0. run-qemu.sh must
 * report that as a failure, not as status 0. */
static int t_triple_fault(int argc, char **argv)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} empty = { 0, 0 };
	printf("ktest: loading an empty IDT and raising an exception\n");
	__asm__ volatile("lidt %0; int3" ::"m"(empty));
	return 1;
}

/* Prints BYTES characters and reports the time per character: the cost
 * of console output, which every boot log line pays. */
static int t_serial_cost(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000;
	char line[81];
	memset(line, 'x', 79);
	line[79] = '\n';
	line[80] = 0;
	uint64_t t0 = keel_clock_ns();
	for (unsigned long i = 0; i < n / 80; i++)
		fputs(line, stdout);
	uint64_t ns = keel_clock_ns() - t0;
	printf("ktest: %lu characters in %lu us: %lu ns each\n", n / 80 * 81, (unsigned long)(ns / 1000),
	       (unsigned long)(ns / (n / 80 * 81)));
	return 0;
}

static int t_mem(int argc, char **argv)
{
	struct keel_meminfo m;
	keel_meminfo(&m);
	printf("ktest: RAM %lu MiB, free %lu MiB, top 0x%lx\n", (unsigned long)(m.ram_bytes >> 20),
	       (unsigned long)(m.free_bytes >> 20), (unsigned long)m.ram_top);
	return 0;
}

/* A loop the sampling profiler must find at the top of its report
 * (profile=HZ): noinline, so its samples carry its own name. */
__attribute__((noinline)) static unsigned long ktest_busy_loop(uint64_t until)
{
	volatile unsigned long spins = 0;
	while (keel_clock_ns() < until)
		for (int i = 0; i < 1000; i++)
			spins++;
	return spins;
}

static int t_busy(int argc, char **argv)
{
	unsigned long ms = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	unsigned long spins = ktest_busy_loop(keel_clock_ns() + ms * 1000000ull);
	printf("ktest: %lu spins in %lu ms\n", spins, ms);
	return 0;
}

static const struct ktest tests[] = {
	{ "exit", "STATUS: return STATUS from main", t_exit },
	{ "args", "print the arguments", t_args },
	{ "triple-fault", "end the VM with a triple fault", t_triple_fault },
	{ "mem", "print the memory found", t_mem },
	{ "busy", "[MS]: spin MS milliseconds in ktest_busy_loop", t_busy },
	{ "serial-cost", "[N]: time N characters of console output", t_serial_cost },
	{ "fault-null", "read through a NULL pointer", ktest_fault_null },
	{ "write-text", "write into kernel text", ktest_write_text },
	{ "write-rodata", "write into read-only data", ktest_write_rodata },
	{ "exec-data", "call into writable data", ktest_exec_data },
	{ "exec-stack", "call into the stack", ktest_exec_stack },
	{ "stack-smash", "overflow a stack buffer", ktest_stack_smash },
	{ "double-free", "free a pointer twice", ktest_double_free },
	{ "sleep", "sleep 10 ms, 100 ms, 1 s against the TSC", ktest_sleep },
	{ "sleep-wall", "MS: print, sleep MS, print (timed by the host)", ktest_sleep_wall },
	{ "pingpong", "[N]: N hand-offs between two threads", ktest_pingpong },
	{ "timeout", "timed waits on semaphores and conditions", ktest_timeout },
	{ "condvar", "producers and consumers with mutex and conditions", ktest_condvar },
	{ "stack-overflow", "overflow a thread's stack into its guard page", ktest_stack_overflow },
	{ "idle", "[S]: S seconds of 10 ms sleeps", ktest_idle },
	{ "clone", "threads through clone, futex and set_tid_address system calls", ktest_clone },
	{ "preempt", "a spinning thread beside a periodic one; FPU state across preemption", ktest_preempt },
	{ "rng", "[BYTES]: read entropy and test it", ktest_rng },
	{ "rng-none", "keel_getrandom without a device", ktest_rng_none },
	{ "console-echo", "NAME BYTES: echo a virtio-console port", ktest_console_echo },
	{ "ports", "NAME...: open named ports", ktest_ports },
	{ "needs-reset", "break a virtio-rng device through QEMU", ktest_needs_reset },
	{ "dma-pool", "allocate, check and free 4,000 DMA buffers", ktest_dma_pool },
	{ "mmio-over-ram", "ask for device memory over RAM", ktest_mmio_over_ram },
	{ "rng-silent", "keel_getrandom from a device that never answers", ktest_rng_silent },
	{ "device-fault", "a virtio-rng device writes a used id past its queue", ktest_device_fault },
	{ "port-stall", "NAME: write to a port whose host stopped reading", ktest_port_stall },
	{ "net", "[N]: ARP and ICMP echo with the user network's gateway on each of N interfaces", ktest_net },
	{ "net-tap",
	  "MY GW [N [L]]: the same on a tap; N malformed frames and L merged segments from the host between rounds",
	  ktest_net_tap },
	{ "blk", "DISK [rw|ro|ioerr|resize]: a disk through the block device API", ktest_blk },
	{ "blk-bench", "DISK [MIB] [OPS]: time sequential and random requests", ktest_blk_bench },
	{ "blk-hotplug", "DISK: wait for a disk the host plugs in, use it, then for its removal", ktest_blk_hotplug },
};

int main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (strcmp(argv[1], tests[i].name) == 0)
				return tests[i].run(argc - 1, argv + 1);
	}
	printf("usage: ktest TEST [ARGS]\n");
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		printf("  %-14s %s\n", tests[i].name, tests[i].usage);
	return 2;
}
