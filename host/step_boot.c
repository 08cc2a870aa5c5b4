/* `boot [memory=SIZE] [maxmem=SIZE] [slots=N] [cpus=N] [cmdline="…"] [timeout=S]
 * [nodes=N] [disk=SIZE]`: starts the guest (steps that need one boot it with the defaults otherwise). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "accel.h"
#include "arch.h"
#include "caps.h"
#include "devkind.h"
#include "guest.h"
#include "debugk.h"
#include "step.h"

struct boot_args {
	uint64_t memory, maxmem, slots, cpus, timeout, nodes, disk;
	char cmdline[1024];
};

static const struct opt boot_opts[] = {
	{ "memory", OPT_SIZE, offsetof(struct boot_args, memory), 0, 64ull << 20, 64ull << 30,
	  NULL, "boot memory (default: the arch's, see Arches)" },
	{ "maxmem", OPT_SIZE, offsetof(struct boot_args, maxmem), 0, 64ull << 20, 1ull << 40,
	  NULL, "maximum memory including hot-plugged (raised to fit the devices declared "
	  "before boot)", .def = "4G" },
	{ "slots", OPT_UINT, offsetof(struct boot_args, slots), 0, 0, 256, NULL,
	  "memory device slots (none where no device kind can be hot-plugged)", .def = "8" },
	{ "cpus", OPT_UINT, offsetof(struct boot_args, cpus), 0, 1, 64, NULL,
	  "virtual CPUs", .def = "1" },
	{ "cmdline", OPT_STR, offsetof(struct boot_args, cmdline),
	  sizeof(((struct boot_args *)0)->cmdline), 0, 0, NULL,
	  "appended to the arch's kernel command line" },
	{ "timeout", OPT_UINT, offsetof(struct boot_args, timeout), 0, 1, 3600, NULL,
	  "seconds from start to the agent's hello (times $HPT_TIMEOUT_SCALE)",
	  .def = "60" },
	{ "nodes", OPT_UINT, offsetof(struct boot_args, nodes), 0, 1, 8, NULL,
	  "NUMA nodes: boot memory split evenly, every CPU on node 0", .def = "1" },
	{ "disk", OPT_SIZE, offsetof(struct boot_args, disk), 0, 1ull << 20, 64ull << 30, NULL,
	  "a scratch virtio disk of this size (serial hpt-scratch; zswap's swap device)" },
	{ 0 }
};

static int boot_parse(const struct scn_line *l, struct boot_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (step_argc(l, 0, 0, err, errlen) < 0 || step_opts(boot_opts, a, l, 1, err, errlen) < 0)
		return -1;
	if (a->memory && a->maxmem && a->maxmem < a->memory) {
		snprintf(err, errlen, "boot: maxmem is smaller than memory");
		return -1;
	}
	return 0;
}

static int boot_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct boot_args a;

	return boot_parse(l, &a, err, errlen);
}

/* 1 if some device kind can be hot-plugged on this arch (capability model), or the
 * scenario declares a device the guest boots with that it can have (virtio-mem: libvirt
 * wants <maxMemory> for it too). Only then: on s390x a <maxMemory> alone changes boot
 * memory (7.3 with maxmem=4G ignored movablecore=, so no ZONE_MOVABLE to offline). */
static int can_plug(struct run *r)
{
	struct cap_query q;
	struct cap_fact f;

	for (int i = 0; devkinds[i]; i++) {
		caps_query_for(r, devkinds[i]->name, &q);
		if (devkinds[i]->plug && caps_ask(CAP_PLUG, &q, &f) != CAP_NO)
			return 1;
	}
	for (size_t i = 0; r->scn && i < r->scn->n_lines; i++) {
		const struct scn_line *l = &r->scn->lines[i];
		const struct devkind *k = l->argc ? devkind_find(l->argv[0]) : NULL;

		if (!k || !k->boot_xml)
			continue;
		caps_query_for(r, k->name, &q);
		if (caps_ask(CAP_PLUG, &q, &f) != CAP_NO)
			return 1;
	}
	return 0;
}

void boot_defaults(struct run *r)
{
	struct boot_args a;
	char err[128];

	memset(&a, 0, sizeof(a));
	if (opts_defaults(boot_opts, &a, err, sizeof(err)) < 0)
		hpt_log("boot: %s", err);	/* a bad .def: the table's bug */
	memset(&r->boot, 0, sizeof(r->boot));
	r->boot.memory = a.memory ? a.memory : r->arch->default_memory;
	r->boot.maxmem = a.maxmem;
	r->boot.slots = can_plug(r) ? a.slots : 0;	/* no <maxMemory> where nothing plugs */
	r->boot.cpus = a.cpus;
	r->boot.timeout_ms = run_timeout(r, a.timeout * 1000);
	r->boot.nodes = a.nodes;
}

enum step_rc boot_now(struct run *r, const struct scn_line *l)
{
	char err[512];

	r->accel_used = accel_choose(r);
	if (guest_boot(r, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	debugk_boot(r);
	for (int i = 0; i < r->n_devs; i++) {	/* devices declared before boot: as declared */
		struct hpt_dev *d = &r->devs[i];

		if (d->kind->boot_ready && d->kind->boot_ready(r, d, err, sizeof(err)) < 0)
			return step_stop(r, l, V_ERROR, NULL, "%s", err);
	}
	hpt_verbose("vm %s: booted %s (%s), block size %llu MiB", r->vm_name, r->guest.kernel,
		    r->accel_used, (unsigned long long)(r->guest.block_size >> 20));
	return STEP_OK;
}

static enum step_rc boot_run(struct run *r, const struct scn_line *l)
{
	struct boot_args a;
	char err[256];

	if (r->booted)
		return step_stop(r, l, V_ERROR, NULL, "boot: the guest is already running");
	if (boot_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (a.memory)
		r->boot.memory = a.memory;
	if (a.maxmem)
		r->boot.maxmem = a.maxmem;
	if (a.slots && r->boot.slots)	/* slots only where memory devices exist */
		r->boot.slots = a.slots;
	if (a.cpus)
		r->boot.cpus = a.cpus;
	if (a.timeout)
		r->boot.timeout_ms = run_timeout(r, a.timeout * 1000);
	if (a.nodes)
		r->boot.nodes = a.nodes;
	r->boot.disk = a.disk;
	snprintf(r->boot.cmdline, sizeof(r->boot.cmdline), "%s", a.cmdline);
	if (r->boot.maxmem < r->boot.memory)
		r->boot.maxmem = r->boot.memory;
	return boot_now(r, l);
}

const struct step step_boot = {
	.name = "boot", .phase = PHASE_BOOT,
	.usage = "boot [memory=SIZE] [maxmem=SIZE] [slots=N] [cpus=N] [cmdline=\"…\"] [timeout=S] "
		 "[nodes=N] [disk=SIZE]",
	.help = "start the guest: direct kernel boot of the arch's kernel with hp-agent as /init",
	.opts = boot_opts, .check = boot_check, .run = boot_run,
};
