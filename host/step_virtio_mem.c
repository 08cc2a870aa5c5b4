/* `virtio-mem NAME size=SIZE [block=SIZE] [node=N] [requested=SIZE]`: declares a
 * virtio-mem device the machine boots with (before `boot` or any step that boots).
 * The capability model says where virtio-mem exists (else SKIP with its reason). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "devkind.h"
#include "size.h"
#include "step.h"

struct vmdecl_args {
	uint64_t size, block, node, requested;
};

static const struct opt vmdecl_opts[] = {
	{ "size", OPT_SIZE, offsetof(struct vmdecl_args, size), 0, 2ull << 20, 1ull << 40, NULL,
	  "device region: the most it can ever plug" },
	{ "block", OPT_SIZE, offsetof(struct vmdecl_args, block), 0, 2ull << 20, 1ull << 30, NULL,
	  "device block size, the plug granularity (default 2M)" },
	{ "node", OPT_UINT, offsetof(struct vmdecl_args, node), 0, 0, 63, NULL,
	  "NUMA node (default 0)" },
	{ "requested", OPT_SIZE, offsetof(struct vmdecl_args, requested), 0, 0, 1ull << 40, NULL,
	  "requested size at boot (default 0)" },
	{ 0 }
};

int dev_name_ok(const char *s);

static int parse(const struct scn_line *l, struct vmdecl_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->block = 2ull << 20;
	if (step_argc(l, 1, 1, err, errlen) < 0 || step_opts(vmdecl_opts, a, l, 2, err, errlen) < 0)
		return -1;
	if (!dev_name_ok(l->argv[1])) {
		snprintf(err, errlen, "virtio-mem: device name '%s': want 1-16 letters, digits or _",
			 l->argv[1]);
		return -1;
	}
	if (!a->size || a->block & (a->block - 1) || a->size % a->block ||
	    a->requested % a->block || a->requested > a->size) {
		snprintf(err, errlen, "virtio-mem: want size= a multiple of block= (a power of two "
			 ">= 2M), requested= a multiple of block= not above size=");
		return -1;
	}
	return 0;
}

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	struct vmdecl_args a;

	return parse(l, &a, err, errlen);
}

static int needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	(void)l;
	return caps_need(r, CAP_PLUG, "virtio-mem", why, n);
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	struct vmdecl_args a;
	struct hpt_dev *d;
	char err[256];

	if (parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (r->booted)
		return step_stop(r, l, V_ERROR, NULL, "virtio-mem %s: declare boot-time devices "
				 "before the guest boots", l->argv[1]);
	if (run_dev(r, l->argv[1]) || r->n_devs >= HPT_DEVS_MAX)
		return step_stop(r, l, V_ERROR, NULL, "virtio-mem %s: name taken or too many "
				 "devices", l->argv[1]);
	if (r->boot.maxmem < r->boot.memory + a.size)	/* room in <maxMemory> */
		r->boot.maxmem = r->boot.memory + a.size;
	d = &r->devs[r->n_devs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", l->argv[1]);
	snprintf(d->alias, sizeof(d->alias), "ua-%s", l->argv[1]);
	d->kind = devkind_find("virtio-mem");
	d->size = a.size;
	d->node = (int)a.node;
	d->vm_block = a.block;
	d->vm_requested = a.requested;
	d->state = DEV_PLUGGED;	/* there from boot; never unplugged (resize to 0 instead) */
	return STEP_OK;
}

const struct step step_virtio_mem = {
	.name = "virtio-mem", .phase = PHASE_BOOT,
	.usage = "virtio-mem NAME size=SIZE [block=2M] [node=N] [requested=SIZE]",
	.help = "declare a virtio-mem device the guest boots with (before `boot`)",
	.check = check, .needs = needs, .run = run,
};
