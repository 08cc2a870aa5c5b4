/* NVDIMM device kind: an ACPI NVDIMM (NFIT) backed by a file the testbed creates in the
 * run dir at the exact size (shared access, with a label area). The machine must boot
 * with it (nvdimm=on; QEMU cannot hot-plug one into a machine started without, and
 * never unplugs one): it is declared by `nvdimm NAME size=SIZE [label=SIZE] [node=N]`
 * before `boot`, and its pmem is used through namespaces (`dax`, step_dax.c), made with
 * Debian's ndctl/daxctl in the guest. The backing file <run dir>/nvdimm-NAME.img is
 * SIZE + label rounded up to 2 MiB (sparse): QEMU carves the label area from it,
 * namespaces of SIZE (a multiple of 16 MiB, the region's alignment) are made in the
 * rest. The device's state, namespaces included, is hpt_dev.u.nvdimm. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nvdimm.h"
#include "oracles.h"
#include "strbuf.h"

#define NV(field) offsetof(struct hpt_dev, u.nvdimm.field)

static const struct opt nvdimm_opts[] = {
	{ "size", OPT_SIZE, NV(pmem), 0, 130ull << 20, 1ull << 40, NULL,
	  "pmem the guest sees; the backing file is size + label" },
	{ "label", OPT_SIZE, NV(label), 0, 128ull << 10, 1ull << 20, NULL, "label area",
	  .def = "128K" },
	{ "node", OPT_UINT, offsetof(struct hpt_dev, node), 0, 0, 63, NULL, "NUMA node",
	  .def = "0" },
	{ 0 }
};

static int nvdimm_declare_check(const struct hpt_dev *d, char *err, size_t errlen)
{
	if (!d->u.nvdimm.pmem) {
		snprintf(err, errlen, "nvdimm: size= is required");
		return -1;
	}
	return 0;
}

/* The backing file, sparse, at the size QEMU wants. */
static int nvdimm_declare(struct run *r, struct hpt_dev *d, char *err, size_t errlen)
{
	char path[PATH_MAX + 64];
	int fd, e;

	/* QEMU carves the label area from the backend; libvirt rounds device sizes up to
	 * 2 MiB on x86_64, and QEMU wants the file exactly that size */
	d->size = (d->u.nvdimm.pmem + d->u.nvdimm.label + (2ull << 20) - 1) &
		  ~((2ull << 20) - 1);
	snprintf(path, sizeof(path), "%s/nvdimm-%s.img", r->dir, d->name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0 && ftruncate(fd, (off_t)d->size) == 0) {
		close(fd);
		return 0;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	snprintf(err, errlen, "nvdimm %s: backing file %s: %s", d->name, path, strerror(e));
	return -e;
}

static void nvdimm_boot_xml(struct strbuf *sb, const struct run *r, const struct hpt_dev *d)
{
	/* <pmem/>: libvirt otherwise asks QEMU to preallocate the whole backing file
	 * (measured: 12.4 s and 2 GiB written for a 2 GiB NVDIMM under TCG); the sparse
	 * file fills as the guest writes, and nothing here needs it persistent */
	sb_addf(sb, "<memory model='nvdimm' access='shared'><source><path>%s/nvdimm-%s.img"
		"</path><pmem/></source><target><size unit='KiB'>%llu</size><node>%llu</node>"
		"<label><size unit='KiB'>%llu</size></label></target><alias name='%s'/></memory>\n",
		r->dir, d->name, (unsigned long long)(d->size >> 10), (unsigned long long)d->node,
		(unsigned long long)(d->u.nvdimm.label >> 10), d->alias);
}

const struct devkind dev_nvdimm = {
	.name = "nvdimm",
	.help = "ACPI NVDIMM the guest boots with (`nvdimm NAME size=… label=…`), used through "
		"`dax` namespaces (x86_64)",
	.declare_usage = "nvdimm NAME size=SIZE [label=SIZE] [node=N]",
	.declare_help = "declare an NVDIMM the guest boots with (backing file created at the "
			"exact size)",
	.declare_opts = nvdimm_opts,
	.declare_check = nvdimm_declare_check,
	.declare = nvdimm_declare,
	.boot_xml = nvdimm_boot_xml,
	.needs_tools = 1,
};

struct hpt_dev *nvdimm_region(struct run *r)
{
	for (int i = 0; i < r->n_devs; i++)
		if (r->devs[i].kind == &dev_nvdimm)
			return &r->devs[i];
	return NULL;
}

struct nvdimm_ns *nvdimm_ns_find(struct hpt_dev *d, const char *name)
{
	for (int i = 0; d && i < d->u.nvdimm.n_ns; i++)
		if (!strcmp(d->u.nvdimm.ns[i].name, name))
			return &d->u.nvdimm.ns[i];
	return NULL;
}

void nvdimm_ns_drop(struct hpt_dev *d, struct nvdimm_ns *ns)
{
	*ns = d->u.nvdimm.ns[--d->u.nvdimm.n_ns];
}

int nvdimm_tool(struct run *r, struct hpt_dev *d, const char *verb, char **json, char *err,
		size_t errlen, const char *fmt, ...)
{
	struct strbuf req = STRBUF_INIT, reply = STRBUF_INIT;
	const char *text;
	char path[PATH_MAX + 64];
	va_list ap;
	FILE *f;
	int rc;

	sb_adds(&req, "tool 120 ");
	va_start(ap, fmt);
	{
		char line[512];

		vsnprintf(line, sizeof(line), fmt, ap);
		sb_adds(&req, line);
	}
	va_end(ap);
	rc = chan_call(&r->chan, run_timeout(r, 150000), &reply, "%s", sb_str(&req));
	text = sb_str(&reply);
	snprintf(path, sizeof(path), "%s/dax-%02d-%s.txt", r->dir, ++d->u.nvdimm.n_tool_runs, verb);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "$ %s\n%s\n", sb_str(&req) + 9, text);
		fclose(f);
	}
	*json = NULL;
	if (rc != 0) {
		snprintf(err, errlen, "%s: %.300s", sb_str(&req) + 9, rc < 0 ? r->chan.err : text);
		/* an initramfs without the tools (e.g. --debug-kernel) is the testbed's */
		rc = rc < 0 ? rc : strstr(text, "not in this initramfs") ? -ENOENT : -EIO;
		goto out;
	}
	*json = dax_tool_stdout(text);
	if (!*json) {
		snprintf(err, errlen, "%s: %.400s", sb_str(&req) + 9, text);
		rc = -EIO;
	}
out:
	sb_release(&req);
	sb_release(&reply);
	return rc;
}

int nvdimm_init_labels(struct run *r, struct hpt_dev *d, char *err, size_t errlen)
{
	static const char *const init[] = { "ndctl disable-region all",
		"ndctl init-labels -f all", "ndctl enable-region all" };
	char *out;

	if (d->u.nvdimm.labels_done)
		return 0;
	for (int i = 0; i < 3; i++) {
		int rc = nvdimm_tool(r, d, "labels", &out, err, errlen, "%s", init[i]);

		if (rc < 0)
			return rc;
		free(out);
	}
	d->u.nvdimm.labels_done = 1;
	return 0;
}
