/* `dax create NS map=dev|mem [align=2M]` | `dax kmem NS` | `dax devdax NS` |
 * `dax destroy NS`: NVDIMM pmem → devdax namespace → system RAM (dax kmem) and back, with
 * Debian's ndctl/daxctl in the guest (agent verb `tool`). Each step is verified:
 *   create   ndctl's JSON (mode devdax, map), the namespace's raw size and start from
 *            sysfs, and the altmap reservation (check "altmap NS map=…": raw − usable is
 *            exactly the 8K info block + 64 B per 4 KiB page with map=dev, aligned);
 *   kmem     daxctl reconfigure-device -m system-ram (its JSON: mode system-ram, online
 *            block count = the guest's; onlined movable): "System RAM
 *            (kmem)" in /proc/iomem of whole memory blocks, all online, zone managed and
 *            MemTotal grown by exactly that (the memmap of kmem memory lives elsewhere);
 *   devdax   daxctl reconfigure-device -m devdax -f: blocks, ranges, zones and MemTotal
 *            back to before `kmem` (leak check);
 *   destroy  ndctl destroy-namespace.
 * Tool output is kept in the run dir (dax-N-VERB.txt). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "arch.h"
#include "caps.h"
#include "devkind.h"
#include "nvdimm.h"
#include "oracles.h"
#include "step.h"

#define COMPAT_ALIGN (2ull << 20)

static const char *const verbs[] = { "create", "kmem", "devdax", "destroy", NULL };
static const char *const maps[] = { "dev", "mem", NULL };
static const char *const onoff[] = { "off", "on", NULL };

struct dax_args {
	int map;
	uint64_t align;
	int memmap;		/* kmem: the device's memmap_on_memory knob (6.8+) */
};

static const struct opt dax_opts[] = {
	{ "map", OPT_ENUM, offsetof(struct dax_args, map), 0, 0, 0, maps,
	  "create: where the namespace's struct pages live (dev: in its own reserved area)",
	  .def = "dev" },
	{ "align", OPT_SIZE, offsetof(struct dax_args, align), 0, 4096, 1ull << 30, NULL,
	  "create: device-dax alignment", .def = "2M" },
	{ "memmap", OPT_ENUM, offsetof(struct dax_args, memmap), 0, 0, 0, onoff,
	  "kmem: set the device's memmap_on_memory knob first (6.8+; with "
	  "memory_hotplug.memmap_on_memory=1 each kmem block then hosts its own memmap)",
	  .def = "off" },
	{ 0 }
};

static int verb_index(const char *v)
{
	for (int i = 0; verbs[i]; i++)
		if (!strcmp(verbs[i], v))
			return i;
	return -1;
}

static int dax_parse(const struct scn_line *l, struct dax_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (opts_defaults(dax_opts, a, err, errlen) < 0)
		return -1;
	if (step_argc(l, 2, 2, err, errlen) < 0 || verb_index(l->argv[1]) < 0) {
		snprintf(err, errlen, "dax: want create|kmem|devdax|destroy NS");
		return -1;
	}
	return step_opts(dax_opts, a, l, 3, err, errlen) < 0 ? -1 : 0;
}

static int dax_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct dax_args a;

	return dax_parse(l, &a, err, errlen);
}

static int dax_needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	struct dax_args a;
	char err[200];

	if (caps_need(r, CAP_PLUG, "nvdimm", why, n) < 0)
		return -1;
	if (dax_parse(l, &a, err, sizeof(err)) == 0 && a.memmap)
		return caps_need(r, CAP_DAX_KMEM_MOM, "nvdimm", why, n);
	return 0;
}

static int read_u64(struct run *r, const char *path, uint64_t *v, char *err, size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	int rc = agent_read(r, run_timeout(r, 10000), path, &reply, err, errlen);

	if (rc == 0)
		*v = strtoull(sb_str(&reply), NULL, 0);
	sb_release(&reply);
	return rc == 0 ? 0 : -EIO;
}

static enum step_rc do_create(struct run *r, const struct scn_line *l, struct dax_args *a)
{
	struct hpt_dev *nv = nvdimm_region(r);
	struct dax_ns_info info;
	struct strbuf ev = STRBUF_INIT;
	struct json j;
	char *out, err[600], path[96], why[400], name[96];
	struct nvdimm_ns *ns;
	uint64_t eff_align;
	enum verdict vd;
	int rc;

	if (nvdimm_ns_find(nv, l->argv[2]) || (nv && nv->u.nvdimm.n_ns >= NVDIMM_NS_MAX))
		return step_stop(r, l, V_ERROR, NULL, "dax create: %s exists or too many",
				 l->argv[2]);
	if (!nv)
		return step_stop(r, l, V_ERROR, NULL, "dax create: no nvdimm declared");
	if (nvdimm_init_labels(r, nv, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "dax create: %s", err);
	rc = nvdimm_tool(r, nv, "create", &out, err, sizeof(err), "ndctl create-namespace -r "
			 "region0 -m devdax -M %s -a %llu -s %llu", maps[a->map],
			 (unsigned long long)a->align, (unsigned long long)nv->u.nvdimm.pmem);
	if (rc < 0)
		return step_stop(r, l, rc == -EIO ? V_FAIL : V_ERROR, NULL, "dax create %s: %s",
				 l->argv[2], err);
	if (dax_ndctl_ns(out, maps[a->map], &info, err, sizeof(err)) < 0) {
		free(out);
		return step_stop(r, l, V_ERROR, NULL, "dax create: ndctl JSON: %s", err);
	}
	ns = &nv->u.nvdimm.ns[nv->u.nvdimm.n_ns];
	memset(ns, 0, sizeof(*ns));
	snprintf(ns->name, sizeof(ns->name), "%s", l->argv[2]);
	snprintf(ns->dev, sizeof(ns->dev), "%s", info.dev);
	snprintf(ns->chardev, sizeof(ns->chardev), "%s", info.chardev);
	ns->usable = info.usable;
	ns->map_dev = a->map == 0;
	ns->align = a->align;
	vd = info.ok ? V_PASS : V_FAIL;
	if (vd != V_PASS) {
		enum step_rc s = step_stop(r, l, V_FAIL, NULL, "dax create %s: ndctl did not make a "
			"devdax namespace with map=%s: %.300s", l->argv[2], maps[a->map], out);

		free(out);
		return s;
	}
	free(out);
	nv->u.nvdimm.n_ns++;
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/size", ns->dev);
	if (read_u64(r, path, &ns->raw, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "dax create: %s", err);
	snprintf(path, sizeof(path), "/sys/bus/nd/devices/%s/resource", ns->dev);
	if (read_u64(r, path, &ns->start, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "dax create: %s", err);
	/* nd_pfn_init() aligns to max(align, memremap_compat_align()): SUBSECTION_SIZE,
	 * 2 MiB, where the arch does not override it (x86_64) */
	eff_align = ns->align > COMPAT_ALIGN ? ns->align : COMPAT_ALIGN;
	ns->eff_align = eff_align;
	vd = altmap_judge(ns->start, ns->raw, ns->usable, eff_align, r->guest.page_size,
			  ns->map_dev, why, sizeof(why));
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "namespace", ns->dev);
	json_str(&j, "chardev", ns->chardev);
	json_str(&j, "map", maps[a->map]);
	json_u64(&j, "start", ns->start);
	json_u64(&j, "raw_size", ns->raw);
	json_u64(&j, "usable_size", ns->usable);
	json_u64(&j, "reserved", ns->raw - ns->usable);
	{
		uint64_t memmap, want = altmap_expected(ns->start, ns->raw, eff_align,
							r->guest.page_size, ns->map_dev, &memmap);

		json_u64(&j, "reserved_expected", want);
		json_u64(&j, "memmap_bytes_expected", memmap);
		json_u64(&j, "raw_over_64", ns->raw / 64);
	}
	json_u64(&j, "align", ns->align);
	json_u64(&j, "effective_align", eff_align);
	json_obj_end(&j);
	snprintf(name, sizeof(name), "altmap %s map=%s", ns->name, maps[a->map]);
	result_add(&r->res, vd, name, l->lineno, sb_str(&ev), "%s", why);
	sb_release(&ev);
	return vd == V_PASS ? STEP_OK : STEP_STOP;
}

/* What dax kmem adds: the whole memory blocks inside the device-dax range, which ends
 * where the namespace is truncated to its alignment and holds the usable size. */
static uint64_t kmem_expected(const struct run *r, const struct nvdimm_ns *ns)
{
	uint64_t bs = r->guest.block_size, end = ns->start + ns->raw;
	uint64_t dend = end - end % ns->eff_align, dstart = dend - ns->usable;
	uint64_t lo = (dstart + bs - 1) / bs * bs, hi = dend / bs * bs;

	return hi > lo ? hi - lo : 0;
}

/* Bytes of the kmem memory that hold its memmap, by the model: with the knob on (and the
 * parameter), the first pages of every kmem block (6.8+); else none. */
static uint64_t kmem_memmap(struct run *r, const struct nvdimm_ns *ns, int knob)
{
	uint64_t bs = r->guest.block_size, end = ns->start + ns->raw;
	uint64_t dend = end - end % ns->eff_align, dstart = dend - ns->usable;
	struct placement_in in = {
		.arch = r->arch->name, .major = r->guest.major, .minor = r->guest.minor,
		.cmdline = r->guest.cmdline, .devkind = knob ? "dax-kmem" : "nvdimm",
		.base = (dstart + bs - 1) / bs * bs, .size = kmem_expected(r, ns),
		.block_size = bs, .page_size = r->guest.page_size, .boot_end = r->boot.memory,
	};
	struct placement_pred pred;

	if (!in.size)
		return 0;
	model_placement(&in, &pred);
	return pred.p == PLACE_ON_BLOCK ? pred.reserved_pages * r->guest.page_size : 0;
}

/* Judges the guest's System RAM (kmem) in the namespace's range against `base`. */
static enum verdict judge_kmem(struct run *r, const struct scn_line *l, struct nvdimm_ns *ns,
			       const char *base_name, const char *snap, const char *what,
			       uint64_t want_bytes, uint64_t memmap_bytes)
{
	const struct snapshot *base = run_snap(r, base_name), *now;
	struct strbuf ev = STRBUF_INIT;
	struct vmem_obs o;
	struct json j;
	char why[512], name[96];
	enum verdict v;

	if (!base || run_snapshot(r, snap, 0, &now) < 0)
		return V_ERROR;
	ram_observe(base, now, ns->start, ns->raw, r->guest.page_size, "System RAM (kmem)", &o);
	o.who = "whole blocks of the dax range";
	v = vmem_judge(&o, want_bytes, 0, memmap_bytes, why, sizeof(why));
	if (v == V_PASS && want_bytes && strcmp(o.zones, "Movable")) {
		snprintf(why, sizeof(why), "kmem memory online in %s, daxctl onlines it movable",
			 o.zones);
		v = V_FAIL;
	}
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "namespace", ns->dev);
	json_str(&j, "chardev", ns->chardev);
	json_str(&j, "since", base_name);
	vmem_evidence(&j, &o, want_bytes, want_bytes, 0, NULL);
	json_obj_end(&j);
	snprintf(name, sizeof(name), "%s %s", what, ns->name);
	result_add(&r->res, v, name, l->lineno, sb_str(&ev), "%s", why);
	sb_release(&ev);
	return v;
}

static enum step_rc dax_run(struct run *r, const struct scn_line *l)
{
	int verb = verb_index(l->argv[1]);
	struct hpt_dev *nv = nvdimm_region(r);
	struct nvdimm_ns *ns = nvdimm_ns_find(nv, l->argv[2]);
	struct dax_args a;
	char err[600], *out = NULL, snap[64];
	const struct snapshot *s;
	unsigned long online;
	enum verdict v;
	int rc, has_online;

	if (dax_parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (verb == 0)
		return do_create(r, l, &a);
	if (!ns)
		return step_stop(r, l, V_ERROR, NULL, "dax %s: no namespace %s", l->argv[1],
				 l->argv[2]);
	snprintf(snap, sizeof(snap), "pre-kmem-%s", ns->name);
	switch (verb) {
	case 1:	/* kmem */
		if (run_snapshot(r, snap, 0, &s) < 0)
			return step_stop(r, l, V_ERROR, NULL, "dax kmem: %s", r->chan.err);
		if (a.memmap) {
			char knob[320];

			/* asked again with the booted kernel (before boot its version may
			 * not be known yet) */
			if (caps_need(r, CAP_DAX_KMEM_MOM, "nvdimm", knob, sizeof(knob)) < 0)
				return step_stop(r, l, V_SKIP, NULL, "dax kmem %s memmap=on: %s",
						 ns->name, knob);

			snprintf(knob, sizeof(knob), "write /sys/bus/dax/devices/%s/memmap_on_memory "
				 "1", ns->chardev);
			if (agent_simple(r, run_timeout(r, 10000), knob, err, sizeof(err)) < 0)
				return step_stop(r, l, V_FAIL, NULL, "dax kmem %s memmap=on: %s",
						 ns->name, err);
		}
		rc = nvdimm_tool(r, nv, "kmem", &out, err, sizeof(err), "daxctl reconfigure-device "
				 "-m system-ram %s", ns->chardev);
		if (rc < 0)
			return step_stop(r, l, rc == -EIO ? V_FAIL : V_ERROR, NULL, "dax kmem %s: %s",
					 ns->name, err);
		{
			const struct snapshot *now;
			struct vmem_obs o;

			if (run_snapshot(r, "kmem-probe", 0, &now) < 0)
				return step_stop(r, l, V_ERROR, NULL, "dax kmem: %s", r->chan.err);
			ram_observe(s, now, ns->start, ns->raw, r->guest.page_size,
				    "System RAM (kmem)", &o);
			if (!dax_daxctl_mode(out, "system-ram", &has_online, &online)) {
				enum step_rc st = step_stop(r, l, V_FAIL, NULL, "dax kmem %s: daxctl "
					"does not report mode system-ram: %.300s", ns->name, out);

				free(out);
				return st;
			}
			/* daxctl's count of online blocks is the guest's */
			if (has_online && online != o.online) {
				free(out);
				return step_stop(r, l, V_FAIL, NULL, "dax kmem %s: daxctl says %lu "
						 "blocks online, the guest shows %u", ns->name,
						 online, o.online);
			}
			free(out);
			if (!o.iomem_bytes)
				return step_stop(r, l, V_FAIL, NULL, "dax kmem %s: daxctl succeeded "
						 "but no System RAM (kmem) is in /proc/iomem", ns->name);
			ns->kmem = 1;
			snprintf(err, sizeof(err), "online-%s", ns->name);
			v = judge_kmem(r, l, ns, snap, err, "kmem", kmem_expected(r, ns),
				       kmem_memmap(r, ns, a.memmap));
		}
		break;
	case 2:	/* devdax */
		rc = nvdimm_tool(r, nv, "devdax", &out, err, sizeof(err), "daxctl reconfigure-device "
				 "-f -m devdax %s", ns->chardev);
		if (rc < 0)
			return step_stop(r, l, rc == -EIO ? V_FAIL : V_ERROR, NULL,
					 "dax devdax %s: %s", ns->name, err);
		if (!dax_daxctl_mode(out, "devdax", &has_online, &online)) {
			enum step_rc st = step_stop(r, l, V_FAIL, NULL, "dax devdax %s: daxctl does "
				"not report mode devdax: %.300s", ns->name, out);

			free(out);
			return st;
		}
		free(out);
		ns->kmem = 0;
		snprintf(err, sizeof(err), "devdax-%s", ns->name);
		v = judge_kmem(r, l, ns, snap, err, "devdax", 0, 0);
		break;
	default:	/* destroy */
		rc = nvdimm_tool(r, nv, "destroy", &out, err, sizeof(err), "ndctl destroy-namespace "
				 "-f %s", ns->dev);
		if (rc < 0)
			return step_stop(r, l, rc == -EIO ? V_FAIL : V_ERROR, NULL,
					 "dax destroy %s: %s", ns->name, err);
		free(out);
		nvdimm_ns_drop(nv, ns);
		return STEP_OK;
	}
	if (v == V_ERROR)
		return step_stop(r, l, V_ERROR, NULL, "dax %s %s: %s", l->argv[1], ns->name,
				 r->chan.err);
	return v == V_PASS ? STEP_OK : STEP_STOP;
}

const struct step step_dax = {
	.name = "dax", .phase = PHASE_PLUG, .needs_guest = 1, .kernel_op = 1,
	.usage = "dax create|kmem|devdax|destroy NS [map=dev|mem] [align=2M] [memmap=on|off]",
	.help = "NVDIMM namespace as devdax (altmap checked), reconfigured to system RAM (dax "
		"kmem) and back, each step verified in the guest",
	.opts = dax_opts, .check = dax_check, .needs = dax_needs, .run = dax_run,
};
