/* `nvdimm NAME size=SIZE [label=128K] [node=N]`: declares an NVDIMM the guest boots
 * with (before `boot`). Its backing file <run dir>/nvdimm-NAME.img is created at exactly
 * SIZE + label rounded up to 2 MiB (sparse): QEMU carves the label area (namespace labels) from it, namespaces of
 * SIZE (a multiple of 16 MiB, the region's alignment) are made in the rest. The capability model says where NVDIMMs exist. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "caps.h"
#include "devkind.h"
#include "step.h"

struct nvdecl_args {
	uint64_t size, label, node;
};

static const struct opt nvdecl_opts[] = {
	{ "size", OPT_SIZE, offsetof(struct nvdecl_args, size), 0, 130ull << 20, 1ull << 40,
	  NULL, "pmem the guest sees; the backing file is size + label" },
	{ "label", OPT_SIZE, offsetof(struct nvdecl_args, label), 0, 128ull << 10, 1ull << 20,
	  NULL, "label area (default 128K)" },
	{ "node", OPT_UINT, offsetof(struct nvdecl_args, node), 0, 0, 63, NULL,
	  "NUMA node (default 0)" },
	{ 0 }
};

int dev_name_ok(const char *s);

static int parse(const struct scn_line *l, struct nvdecl_args *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->label = 128ull << 10;
	if (step_argc(l, 1, 1, err, errlen) < 0 || step_opts(nvdecl_opts, a, l, 2, err, errlen) < 0)
		return -1;
	if (!dev_name_ok(l->argv[1]) || !a->size) {
		snprintf(err, errlen, "nvdimm: want NAME (1-16 letters, digits or _) and size=");
		return -1;
	}
	return 0;
}

static int check(const struct scn_line *l, char *err, size_t errlen)
{
	struct nvdecl_args a;

	return parse(l, &a, err, errlen);
}

static int needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	(void)l;
	return caps_need(r, CAP_PLUG, "nvdimm", why, n);
}

static enum step_rc run(struct run *r, const struct scn_line *l)
{
	struct nvdecl_args a;
	struct hpt_dev *d;
	char err[256], path[PATH_MAX + 64];
	uint64_t pmem;
	int fd;

	if (parse(l, &a, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (r->booted)
		return step_stop(r, l, V_ERROR, NULL, "nvdimm %s: NVDIMMs cannot be hot-plugged: "
				 "declare it before the guest boots", l->argv[1]);
	if (run_dev(r, l->argv[1]) || r->n_devs >= HPT_DEVS_MAX)
		return step_stop(r, l, V_ERROR, NULL, "nvdimm %s: name taken or too many devices",
				 l->argv[1]);
	snprintf(path, sizeof(path), "%s/nvdimm-%s.img", r->dir, l->argv[1]);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	pmem = a.size;
	/* QEMU carves the label area from the backend; libvirt rounds device sizes up to
	 * 2 MiB on x86_64, and QEMU wants the file exactly that size */
	a.size = (a.size + a.label + (2ull << 20) - 1) & ~((2ull << 20) - 1);
	if (fd < 0 || ftruncate(fd, (off_t)a.size) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return step_stop(r, l, V_ERROR, NULL, "nvdimm %s: backing file %s: %s", l->argv[1],
				 path, strerror(e));
	}
	close(fd);
	if (r->boot.maxmem < r->boot.memory + a.size)
		r->boot.maxmem = r->boot.memory + a.size;
	d = &r->devs[r->n_devs++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", l->argv[1]);
	snprintf(d->alias, sizeof(d->alias), "ua-%s", l->argv[1]);
	d->kind = devkind_find("nvdimm");
	d->size = a.size;
	d->node = (int)a.node;
	d->vm_block = a.label;	/* label area size (see dev_nvdimm.c) */
	d->vm_requested = pmem;	/* the namespace size `dax create` asks for */
	d->state = DEV_PLUGGED;	/* there from boot; never unplugged */
	return STEP_OK;
}

const struct step step_nvdimm = {
	.name = "nvdimm", .phase = PHASE_BOOT,
	.usage = "nvdimm NAME size=SIZE [label=128K] [node=N]",
	.help = "declare an NVDIMM the guest boots with (backing file created at the exact size)",
	.check = check, .needs = needs, .run = run,
};
