/* Host-side wrappers of agent verbs used by several steps. */
#ifndef HPT_AGENT_H
#define HPT_AGENT_H
#include <stdint.h>
#include "hpt.h"

/* wait-blocks: waits until blocks [first, first+count) are in state `cond` (present,
 * absent, online, offline). On 0, order (if non-NULL) receives the block indexes in the
 * order the guest saw them arrive there, *n_order their number. -ETIMEDOUT: the guest
 * did not get there (err holds the states); other -errno: channel failure. */
int agent_wait_blocks(struct run *r, uint32_t first, uint32_t count, const char *cond,
		      uint64_t timeout_ms, uint32_t *order, int *n_order, char *err,
		      size_t errlen);
/* Reads (and clears) the guest's memory block event journal; for each event with `action`
 * on a block in [first, first+count), in kernel order, stores its index in order[].
 * Returns how many, or a negative errno. */
int agent_block_events(struct run *r, const char *action, uint32_t first, uint32_t count,
		       uint32_t *order, int max, char *err, size_t errlen);
/* Runs a verb whose failure is an ERROR (no kernel meaning): compact, drop-caches… */
int agent_simple(struct run *r, uint64_t timeout_ms, const char *verb, char *err,
		 size_t errlen);
/* Reads the guest's file `path` into *out (replacing what it held; the caller releases
 * it). 0, or -EIO (the agent could not read it: *out holds its reason) or the channel's
 * -errno, with err "read PATH: …". */
int agent_read(struct run *r, uint64_t timeout_ms, const char *path, struct strbuf *out,
	       char *err, size_t errlen);
/* The guest's CPU `cpu` online (1) or offline (0), through sysfs. 0, or -errno with err. */
int agent_cpu_set(struct run *r, uint64_t cpu, int online, char *err, size_t errlen);

#endif
