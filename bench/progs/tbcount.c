/*
 * A QEMU TCG plugin for bench/insns.sh: counts, for every translated
 * block, how often it ran, so a run can say how many guest instructions
 * went where. Unlike a rate, the count does not move with the host's
 * load: the same guest doing the same work gives the same figure.
 *
 * KEEL_TBCOUNT=PATH names the output. Whenever the file PATH.snap
 * appears, the counts so far are written to PATH.0, PATH.1, ... and
 * PATH.snap is removed: the caller takes one snapshot before a load and
 * one after, and subtracts. A line is "ADDRESS INSNS RUNS LAST": the
 * block's first guest address, its instruction count, how often it ran,
 * and the first bytes of its last instruction (hex), which tell an iretq
 * or sti from the rest.
 *
 * QEMU's plugin header is not packaged by Debian; the few entry points
 * used are declared here, as QEMU's plugin API (version 1, QEMU 7.2)
 * defines them.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, void (*cb)(qemu_plugin_id_t, struct qemu_plugin_tb *));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, int op, void *ptr, uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* One per distinct block (address and length): a block translated again
 * after a flush counts on in the same place. */
struct block {
	uint64_t vaddr;
	uint32_t insns;
	uint8_t last[4];
	uint64_t runs; /* added to by the translated code itself */
	struct block *next;
};

#define BUCKETS (1u << 18)
static struct block *table[BUCKETS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static char out_path[4096];

static struct block *block_of(uint64_t vaddr, uint32_t insns)
{
	unsigned h = (unsigned)((vaddr * 0x9e3779b97f4a7c15ull) >> 46) & (BUCKETS - 1);
	for (struct block *b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->insns == insns)
			return b;
	struct block *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		fprintf(stderr, "tbcount: out of memory\n");
		abort();
	}
	b->vaddr = vaddr;
	b->insns = insns;
	b->next = table[h];
	table[h] = b;
	return b;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	if (n == 0)
		return;
	pthread_mutex_lock(&table_lock);
	struct block *b = block_of(qemu_plugin_tb_vaddr(tb), (uint32_t)n);
	const struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
	const uint8_t *bytes = qemu_plugin_insn_data(last);
	size_t size = qemu_plugin_insn_size(last);
	for (size_t i = 0; i < sizeof(b->last); i++)
		b->last[i] = i < size ? bytes[i] : 0;
	pthread_mutex_unlock(&table_lock);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
}

static void write_counts(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return;
	}
	pthread_mutex_lock(&table_lock);
	for (unsigned i = 0; i < BUCKETS; i++)
		for (const struct block *b = table[i]; b; b = b->next)
			if (b->runs)
				fprintf(f, "%llx %u %llu %02x%02x%02x%02x\n", (unsigned long long)b->vaddr, b->insns,
					(unsigned long long)b->runs, b->last[0], b->last[1], b->last[2], b->last[3]);
	pthread_mutex_unlock(&table_lock);
	fclose(f);
}

/* Polls for the trigger file: a plugin has no other channel from the
 * outside while the guest runs. The counters are read while the guest
 * adds to them; a snapshot is exact to within the blocks run meanwhile. */
static void *watch(void *arg)
{
	(void)arg;
	char trigger[4200], path[4200];
	snprintf(trigger, sizeof(trigger), "%s.snap", out_path);
	for (unsigned n = 0;; usleep(20000)) {
		if (access(trigger, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "%s.%u", out_path, n++);
		write_counts(path);
		unlink(trigger);
	}
	return NULL;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
							       char **argv)
{
	(void)info;
	(void)argc;
	(void)argv;
	const char *p = getenv("KEEL_TBCOUNT");
	if (p == NULL || *p == '\0' || snprintf(out_path, sizeof(out_path), "%s", p) >= (int)sizeof(out_path)) {
		fprintf(stderr, "tbcount: set KEEL_TBCOUNT to the output path\n");
		return -1;
	}
	pthread_t t;
	if (pthread_create(&t, NULL, watch, NULL) != 0)
		return -1;
	pthread_detach(t);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}
