/* The capability table (see caps.h). One row per fact; the first row that matches a
 * query answers it, so specific rows come before general ones. Sources: QEMU 7.2's
 * machines (hw/i386/pc.c, hw/ppc/spapr.c, hw/s390x/s390-virtio-ccw.c) and the kernel's
 * mm/memory_hotplug.c, arch/powerpc/platforms/pseries/hotplug-memory.c history. */
#include <stdio.h>
#include <string.h>
#include "caps.h"

const char *const cap_names[CAP__COUNT] = {
	[CAP_PLUG] = "plug", [CAP_KERNEL_ONLINES] = "kernel-onlines",
	[CAP_OFFLINE] = "offline", [CAP_MEMMAP_ON_MEMORY] = "memmap-on-memory",
	[CAP_VMEMMAP_RESERVED] = "vmemmap-reserved",
};

struct cap_row {
	enum cap_kind cap;
	const char *arch, *kind;	/* NULL = any */
	int kmin, kmax;			/* CAP_VER range, 0 = open */
	unsigned long qmin, qmax;	/* QEMU range, 0 = open */
	const char *needs;		/* YES only with this kernel option (=y or =m) */
	enum cap_answer a;
	uint64_t granule;
	const char *why;		/* {arch} {kind} {kernel} {qemu} are filled in */
};

#define MIB (1ull << 20)
#define K(a, b) CAP_VER(a, b)
#define Q(a, b) CAP_QEMU(a, b)

static const struct cap_row rows[] = {
	/* ---- hot-plug: which device kinds QEMU offers, and their size step ---------- */
	{ CAP_PLUG, NULL, "boot", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "boot memory is there from the start: it cannot be plugged or unplugged, only "
	  "offlined and onlined (name its blocks with `blocks`)" },
	{ CAP_PLUG, "s390x", NULL, 0, 0, 0, Q(9, 999), NULL, CAP_NO, 0,
	  "QEMU {qemu} offers no memory device on s390x (no pc-dimm, no virtio-mem-ccw): "
	  "only boot memory can be offlined and onlined there" },
	{ CAP_PLUG, "s390x", NULL, 0, 0, Q(10, 0), 0, NULL, CAP_UNKNOWN, 0,
	  "s390x memory devices of QEMU {qemu} are not in the model yet" },
	{ CAP_PLUG, "x86_64", "dimm", 0, 0, 0, 0, "CONFIG_MEMORY_HOTPLUG", CAP_YES, 128 * MIB,
	  "ACPI memory hotplug: pc-dimm, sizes in multiples of 128 MiB" },
	{ CAP_PLUG, "ppc64le", "dimm", 0, 0, 0, 0, "CONFIG_MEMORY_HOTPLUG", CAP_YES, 256 * MIB,
	  "PAPR DLPAR: pc-dimm on pseries, added and removed as 256 MiB LMBs" },
	{ CAP_PLUG, "x86_64", "virtio-mem", 0, 0, 0, 0, "CONFIG_VIRTIO_MEM", CAP_YES, 2 * MIB,
	  "virtio-mem-pci: declared before boot, resized live (virDomainUpdateDeviceFlags "
	  "<requested>) in device blocks of at least 2 MiB on x86_64" },
	{ CAP_PLUG, "ppc64le", "virtio-mem", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "QEMU {qemu} wires virtio-mem-pci into x86_64 (and arm64 virt) machines only: "
	  "pseries has no virtio-mem" },
	{ CAP_PLUG, "x86_64", "nvdimm", 0, 0, 0, 0, "CONFIG_ACPI_NFIT", CAP_YES, 2 * MIB,
	  "ACPI NVDIMM (NFIT) on pc with nvdimm=on: boot-time only, never unplugged" },
	{ CAP_PLUG, "ppc64le", "nvdimm", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "spapr-nvdimm (papr_scm): QEMU {qemu} offers it on pseries, but Debian's ppc64el "
	  "6.1 kernel is built without CONFIG_LIBNVDIMM (so without papr_scm and of_pmem), and "
	  "the testbed does not wire pseries NVDIMMs" },
	{ CAP_PLUG, NULL, NULL, 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "{arch} guests have no {kind} devices in the capability model" },

	/* ---- who onlines hot-added memory ---------------------------------------------- */
	{ CAP_KERNEL_ONLINES, "ppc64le", "dimm", 0, 0, 0, 0, NULL, CAP_YES, 0,
	  "pseries: the kernel's DLPAR handler onlines each hot-added LMB itself "
	  "(dlpar_add_lmb -> device_online), whatever auto_online_blocks says" },
	{ CAP_KERNEL_ONLINES, NULL, NULL, 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "hot-added {kind} memory stays offline until onlined (the agent sets "
	  "auto_online_blocks=offline)" },

	/* ---- logical offline/online through sysfs --------------------------------------- */
	{ CAP_OFFLINE, NULL, NULL, 0, 0, 0, 0, "CONFIG_MEMORY_HOTREMOVE", CAP_YES, 0,
	  "memory blocks go offline and online through /sys/devices/system/memory" },

	/* ---- memmap_on_memory: where hot-added memory's struct pages live -------------- */
	{ CAP_MEMMAP_ON_MEMORY, NULL, "boot", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "boot memory's memmap is allocated at boot, never on the block itself" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", "dimm", K(5, 12), K(6, 4), 0, 0,
	  "CONFIG_MHP_MEMMAP_ON_MEMORY", CAP_YES, 0,
	  "x86_64 {kernel}: ACPI DIMMs put their memmap on the range with "
	  "memory_hotplug.memmap_on_memory when it is exactly one memory block" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", NULL, K(5, 12), K(6, 4), 0, 0, NULL, CAP_NO, 0,
	  "{kind} memory is added without MHP_MEMMAP_ON_MEMORY up to 6.4 (only ACPI DIMMs "
	  "use it)" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", NULL, 0, K(5, 11), 0, 0, NULL, CAP_NO, 0,
	  "x86_64 gains memmap_on_memory in 5.12; kernel is {kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", NULL, K(6, 5), 0, 0, 0, NULL, CAP_UNKNOWN, 0,
	  "kernel {kernel} is newer than the model (up to 6.4): per-block memmap and new "
	  "device kinds are not modelled" },
	{ CAP_MEMMAP_ON_MEMORY, "ppc64le", NULL, 0, K(6, 5), 0, 0, NULL, CAP_NO, 0,
	  "ppc64le gains memmap_on_memory in 6.6 (radix MMU, 64K pages, "
	  "memmap_on_memory=force); kernel is {kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "ppc64le", NULL, K(6, 6), 0, 0, 0, NULL, CAP_UNKNOWN, 0,
	  "ppc64 radix memmap_on_memory ({kernel} >= 6.6, =force with 64K pages) is not "
	  "modelled yet" },
	{ CAP_MEMMAP_ON_MEMORY, "s390x", NULL, 0, K(6, 7), 0, 0, NULL, CAP_NO, 0,
	  "s390x gains memmap_on_memory in 6.8, and only for SCLP standby memory; kernel is "
	  "{kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "s390x", NULL, K(6, 8), 0, 0, 0, NULL, CAP_NO, 0,
	  "s390x uses memmap_on_memory only for SCLP standby memory, which QEMU does not "
	  "offer" },
	{ CAP_MEMMAP_ON_MEMORY, NULL, NULL, 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "{arch} has no memmap_on_memory for hot-added memory" },

	/* ---- how memmap pages on the range read in /proc/kpageflags -------------------- */
	{ CAP_VMEMMAP_RESERVED, NULL, NULL, 0, K(6, 10), 0, 0, NULL, CAP_YES, 0,
	  "{kernel}: memmap pages on the range are PageReserved (RESERVED|OWNER_PRIVATE, "
	  "seen on 6.1)" },
	{ CAP_VMEMMAP_RESERVED, NULL, NULL, K(6, 12), 0, 0, 0, NULL, CAP_NO, 0,
	  "{kernel}: memmap pages on the range are no longer PageReserved, only "
	  "PG_vmemmap_self_hosted (OWNER_PRIVATE, seen on 6.12 and 7.2)" },
};

int caps_config_has(const char *config, const char *option)
{
	size_t n = strlen(option);

	if (!config)
		return -1;
	for (const char *p = config; (p = strstr(p, option)); p += n)
		if ((p == config || p[-1] == '\n') && p[n] == '=' && (p[n + 1] == 'y' || p[n + 1] == 'm'))
			return 1;
	return 0;
}

static int row_matches(const struct cap_row *w, enum cap_kind k, const struct cap_query *q)
{
	if (w->cap != k)
		return 0;
	if (w->arch && (!q->arch || strcmp(w->arch, q->arch)))
		return 0;
	if (w->kind && (!q->kind || strcmp(w->kind, q->kind)))
		return 0;
	if ((w->kmin || w->kmax) &&
	    (!q->kernel || q->kernel < w->kmin || (w->kmax && q->kernel > w->kmax)))
		return 0;
	if ((w->qmin || w->qmax) &&
	    (!q->qemu || q->qemu < w->qmin || (w->qmax && q->qemu > w->qmax)))
		return 0;
	return 1;
}

/* Copies a row's text into out, filling in the query's values. */
static void fill(char *out, size_t n, const char *tmpl, const struct cap_query *q)
{
	size_t len = 0;

	out[0] = 0;
	for (const char *p = tmpl; *p && len + 1 < n; p++) {
		char val[48];
		const char *v = NULL, *end = *p == '{' ? strchr(p, '}') : NULL;

		if (end) {
			size_t kl = (size_t)(end - p - 1);

			if (kl == 4 && !strncmp(p + 1, "arch", 4))
				v = q->arch ? q->arch : "?";
			else if (kl == 4 && !strncmp(p + 1, "kind", 4))
				v = q->kind ? q->kind : "?";
			else if (kl == 6 && !strncmp(p + 1, "kernel", 6)) {
				snprintf(val, sizeof(val), "%d.%d", q->kernel / 1000, q->kernel % 1000);
				v = q->kernel ? val : "(version not known)";
			} else if (kl == 4 && !strncmp(p + 1, "qemu", 4)) {
				snprintf(val, sizeof(val), "%lu.%lu", q->qemu / 1000000,
					 q->qemu / 1000 % 1000);
				v = q->qemu ? val : "(version not known)";
			}
		}
		if (v) {
			len += (size_t)snprintf(out + len, n - len, "%s", v);
			if (len >= n)
				len = n - 1;
			p = end;
		} else {
			out[len++] = *p;
			out[len] = 0;
		}
	}
}

enum cap_answer caps_ask(enum cap_kind k, const struct cap_query *q, struct cap_fact *f)
{
	memset(f, 0, sizeof(*f));
	if ((k == CAP_MEMMAP_ON_MEMORY || k == CAP_VMEMMAP_RESERVED) && !q->kernel) {
		/* every fact of them is per version */
		f->a = CAP_UNKNOWN;
		snprintf(f->why, sizeof(f->why), "the guest kernel's version is not known");
		return f->a;
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct cap_row *w = &rows[i];

		if (!row_matches(w, k, q))
			continue;
		f->a = w->a;
		f->granule = w->granule;
		fill(f->why, sizeof(f->why), w->why, q);
		if (w->a == CAP_YES && w->needs && caps_config_has(q->config, w->needs) == 0) {
			size_t l = strlen(f->why);

			f->a = CAP_NO;
			snprintf(f->why + l, sizeof(f->why) - l, ", but the guest kernel's config "
				 "lacks %s", w->needs);
		}
		return f->a;
	}
	f->a = CAP_UNKNOWN;
	snprintf(f->why, sizeof(f->why), "no fact about %s in the capability model", cap_names[k]);
	return f->a;
}
