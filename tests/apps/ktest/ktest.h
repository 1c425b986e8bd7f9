#ifndef KTEST_H
#define KTEST_H

/* Each test is a subcommand: `ktest NAME [ARGS...]`; its return value is
 * the VM's exit status. */
struct ktest {
	const char *name;
	const char *usage;
	int (*run)(int argc, char **argv);
};

int ktest_fault_null(int argc, char **argv);
int ktest_write_text(int argc, char **argv);
int ktest_write_rodata(int argc, char **argv);
int ktest_exec_data(int argc, char **argv);
int ktest_exec_stack(int argc, char **argv);
int ktest_stack_smash(int argc, char **argv);
int ktest_double_free(int argc, char **argv);
int ktest_sleep(int argc, char **argv);
int ktest_sleep_wall(int argc, char **argv);
int ktest_pingpong(int argc, char **argv);
int ktest_timeout(int argc, char **argv);
int ktest_condvar(int argc, char **argv);
int ktest_stack_overflow(int argc, char **argv);
int ktest_idle(int argc, char **argv);
int ktest_preempt(int argc, char **argv);
int ktest_clone(int argc, char **argv);
int ktest_rng(int argc, char **argv);
int ktest_rng_none(int argc, char **argv);
int ktest_console_echo(int argc, char **argv);
int ktest_ports(int argc, char **argv);
int ktest_needs_reset(int argc, char **argv);
int ktest_mmio_over_ram(int argc, char **argv);
int ktest_dma_pool(int argc, char **argv);
int ktest_rng_silent(int argc, char **argv);
int ktest_device_fault(int argc, char **argv);
int ktest_port_stall(int argc, char **argv);
int ktest_net(int argc, char **argv);
int ktest_net_tap(int argc, char **argv);
int ktest_blk(int argc, char **argv);
int ktest_blk_bench(int argc, char **argv);
int ktest_blk_hotplug(int argc, char **argv);

#endif
