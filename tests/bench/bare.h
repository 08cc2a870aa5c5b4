/* The bare-QEMU baseline of `make bench` (bare.c): its domain reader, QMP client and
 * agent client (bare_io.c). Errors end the program with the reason (bare_die). */
#ifndef HPT_BARE_H
#define HPT_BARE_H
#include <limits.h>
#include <stdint.h>
#include "proto.h"
#include "strbuf.h"

/* What the run's domain.xml says (x86_64). */
struct bare_dom {
	char emulator[PATH_MAX], loader[PATH_MAX], kernel[PATH_MAX], initrd[PATH_MAX];
	char cmdline[2048];
	unsigned long long mem_kib, maxmem_kib, slots, cpus;
	unsigned long long cell_kib[8];
	int n_cells;
};

struct bare_qmp {
	int fd;
	struct strbuf in;	/* bytes read, not yet a whole line */
	uint64_t deleted;	/* DEVICE_DELETED seen for dimm<bit> */
};

struct bare_agent {
	int fd;
	struct hpt_decoder dec;
	char buf[65536];
	size_t len, off;
	uint32_t seq;
	uint64_t block_size;	/* from the hello */
};

uint64_t bare_now_ms(void);
void bare_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void bare_read_domain(const char *run_dir, struct bare_dom *d);
/* Reads the greeting and leaves capabilities negotiation done. */
void bare_qmp_open(struct bare_qmp *q, int fd);
/* DIMM number i (< 64) of size bytes on node: memory-backend-ram memN + pc-dimm dimmN. */
void bare_qmp_plug(struct bare_qmp *q, int i, uint64_t size, int node);
/* device_del dimmN, waits for its DEVICE_DELETED, then object-del memN. */
void bare_qmp_unplug(struct bare_qmp *q, int i, uint64_t deadline_ms);
void bare_qmp_close(struct bare_qmp *q);
void bare_agent_open(struct bare_agent *a, int fd);
/* Waits for the agent's hello (the guest booted). */
void bare_agent_hello(struct bare_agent *a, uint64_t deadline_ms);
/* Sends request words, waits for its reply (OK or ERR: the run got the same). */
void bare_agent_call(struct bare_agent *a, const char *words, uint64_t deadline_ms);
void bare_agent_close(struct bare_agent *a);

#endif
