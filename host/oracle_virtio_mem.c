/* `expect virtio-mem NAME [since=SNAP]`: the guest's own view of a virtio-mem device
 * agrees with the plugged size the host reports — memory blocks, "System RAM
 * (virtio_mem)" in /proc/iomem, zone present/managed pages and MemTotal — with the memmap
 * where the expectation model puts it (6.1: never on the device). `resize` runs the same
 * proof after every resize. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "oracle.h"
#include "oracles.h"
#include "devkind.h"
#include "step.h"
#include "vmem.h"

struct vm_args {
	char since[32];
};

static const struct opt vm_opts[] = {
	{ "since", OPT_STR, offsetof(struct vm_args, since), 32, 0, 0, NULL,
	  "snapshot to measure from, taken after boot and before any resize",
	  .def = "baseline" },
	{ 0 }
};

static int virtio_mem_parse(const struct scn_line *l, struct vm_args *a,
			    char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (opts_defaults(vm_opts, a, err, errlen) < 0)
		return -1;
	if (l->argc < 3) {
		snprintf(err, errlen, "expect virtio-mem: want NAME");
		return -1;
	}
	for (int i = 3; i < l->argc; i++)
		if (opts_kv(vm_opts, a, l->argv[i], err, errlen) < 0) {
			if (!err[0] || !strchr(l->argv[i], '='))
				snprintf(err, errlen, "expect virtio-mem: unknown option '%s'",
					 l->argv[i]);
			return -1;
		}
	return 0;
}

static int virtio_mem_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct vm_args a;

	err[0] = 0;
	return virtio_mem_parse(l, &a, err, errlen);
}

static int virtio_mem_run(struct run *r, const struct scn_line *l)
{
	struct hpt_dev *d = dev_of_kind(r, l->argv[2], &dev_virtio_mem);
	char err[512], snap[48];
	struct vm_args a;

	err[0] = 0;
	if (virtio_mem_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (!d)
		return step_stop(r, l, V_ERROR, NULL, "expect virtio-mem: no virtio-mem device %s",
				 l->argv[2]);
	/* judge the blocks as they are: onlining them here would hide an offline one */
	if (vmem_locate(r, d, NULL, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "expect virtio-mem %s: %s", d->name, err);
	snprintf(snap, sizeof(snap), "expect-%s", d->name);
	if (vmem_prove(r, l->lineno, d, a.since, snap, "view", 0, err, sizeof(err)) == V_ERROR)
		return step_stop(r, l, V_ERROR, NULL, "expect virtio-mem %s: %s", d->name, err);
	return STEP_OK;
}

const struct oracle oracle_virtio_mem = {
	.name = "virtio-mem",
	.usage = "expect virtio-mem NAME [since=SNAP]",
	.proves = "the guest's memory blocks, System RAM (virtio_mem) ranges, zone pages and "
		  "MemTotal agree with the host's plugged size; the memmap is where the model says",
	.opts = vm_opts, .check = virtio_mem_check, .run = virtio_mem_run,
};
