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
	[CAP_VMEMMAP_RESERVED] = "vmemmap-reserved", [CAP_MEMMAP_PER_BLOCK] = "memmap-per-block",
	[CAP_DAX_KMEM_MOM] = "dax-kmem-memmap-on-memory",
	[CAP_DYNAMIC_MEMSLOTS] = "dynamic-memslots", [CAP_STORE_DIRTIES] = "store-dirties",
};

struct cap_row {
	enum cap_kind cap;
	const char *arch, *kind;	/* NULL = any */
	int kmin, kmax;			/* CAP_VER range, 0 = open */
	unsigned long qmin, qmax;	/* QEMU range, 0 = open */
	const char *needs;		/* YES only with this kernel option (=y or =m) */
	enum cap_answer a;
	uint64_t granule;
	const char *why;		/* {arch} {kind} {kernel} {qemu} {libvirt} are filled in */
	unsigned long lmin, lmax;	/* libvirt range (after why: most rows leave it open) */
};

#define MIB (1ull << 20)
#define K(a, b) CAP_VER(a, b)
#define Q(a, b) CAP_QEMU(a, b)
#define L(a, b) CAP_LIBVIRT(a, b)

static const struct cap_row rows[] = {
	/* ---- hot-plug: which device kinds QEMU offers, and their size step ---------- */
	{ CAP_PLUG, NULL, "boot", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "boot memory is there from the start: it cannot be plugged or unplugged, only "
	  "offlined and onlined (name its blocks with `blocks`)" },
	/* s390x: virtio-mem-ccw only (QEMU 10.0 hw/s390x/virtio-ccw-mem.c; libvirt 11.1
	 * models it for s390 guests; the guest driver since Linux 6.13, arch/s390 memory
	 * detection of virtio-mem ranges). Measured with QEMU 10.0.2 + libvirt 11.3
	 * (--stack backports) and the minimal 7.3 kernel: grow, shrink, 0, no leak. */
	{ CAP_PLUG, "s390x", NULL, 0, 0, 0, Q(9, 999), NULL, CAP_NO, 0,
	  "QEMU {qemu} offers no memory device on s390x (virtio-mem-ccw came in QEMU 10.0: "
	  "--stack backports has it): only boot memory can be offlined and onlined there" },
	{ CAP_PLUG, "s390x", "virtio-mem", 0, 0, Q(10, 0), 0, NULL, CAP_NO, 0,
	  "libvirt {libvirt} does not model virtio-mem for s390x guests (11.1 does: "
	  "--stack backports has 11.3)", 0, L(11, 0) + 999 },
	{ CAP_PLUG, "s390x", "virtio-mem", 0, K(6, 12), Q(10, 0), 0, NULL, CAP_NO, 0,
	  "the s390x guest kernel {kernel} has no virtio-mem (s390 support came in 6.13)" },
	{ CAP_PLUG, "s390x", "virtio-mem", K(6, 13), 0, Q(10, 0), 0, "CONFIG_VIRTIO_MEM",
	  CAP_YES, 1 * MIB,
	  "virtio-mem-ccw (QEMU {qemu}, libvirt {libvirt}): declared before boot, resized live "
	  "in device blocks of at least 1 MiB on s390x", L(11, 1), 0 },
	{ CAP_PLUG, "s390x", NULL, 0, 0, Q(10, 0), 0, NULL, CAP_NO, 0,
	  "s390x has no {kind} in QEMU {qemu}: virtio-mem-ccw is its only memory device" },
	{ CAP_PLUG, "x86_64", "dimm", 0, 0, 0, 0, "CONFIG_MEMORY_HOTPLUG", CAP_YES, 128 * MIB,
	  "ACPI memory hotplug: pc-dimm, sizes in multiples of 128 MiB" },
	{ CAP_PLUG, "ppc64le", "dimm", 0, 0, 0, 0, "CONFIG_MEMORY_HOTPLUG", CAP_YES, 256 * MIB,
	  "PAPR DLPAR: pc-dimm on pseries, added and removed as 256 MiB LMBs" },
	{ CAP_PLUG, "x86_64", "virtio-mem", 0, 0, 0, 0, "CONFIG_VIRTIO_MEM", CAP_YES, 2 * MIB,
	  "virtio-mem-pci: declared before boot, resized live (virDomainUpdateDeviceFlags "
	  "<requested>) in device blocks of at least 2 MiB on x86_64" },
	{ CAP_PLUG, "ppc64le", "virtio-mem", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "QEMU {qemu}: pseries has no virtio-mem (virtio-mem-pci is wired into x86_64 and "
	  "arm64 virt machines, virtio-mem-ccw into s390x from 10.0)" },
	{ CAP_PLUG, "x86_64", "nvdimm", 0, 0, 0, 0, "CONFIG_ACPI_NFIT", CAP_YES, 2 * MIB,
	  "ACPI NVDIMM (NFIT) on pc with nvdimm=on: boot-time only, never unplugged" },
	/* pseries NVDIMM, measured with the minimal 7.3 kernel (CONFIG_PAPR_SCM; Debian's
	 * ppc64el kernels lack LIBNVDIMM): libvirt 9.0 wires spapr-nvdimm (uuid generated,
	 * pmem aligned down to 256 MiB plus the label), papr_scm finds the region, ndctl
	 * writes labels; but arch/powerpc/lib/pmem.c flushes with dcbstps/dcbfps (dcbf
	 * L=6/4) on every POWER8+ CPU, which QEMU 7.2 and 10.0.2 TCG take as illegal
	 * (POWER9 and POWER10 models): the first devdax namespace's info block write Oopses
	 * in memcpy_flushcache, SIGILL. Later QEMUs are not measured. */
	{ CAP_PLUG, "ppc64le", "nvdimm", 0, 0, 0, Q(10, 999), NULL, CAP_NO, 0,
	  "spapr-nvdimm gets as far as papr_scm's region, but the guest's pmem flush runs "
	  "dcbstps (dcbf L=6, powerpc/lib/pmem.c), illegal to QEMU {qemu}'s TCG: devdax setup "
	  "Oopses in memcpy_flushcache (seen on 7.2, 10.0.2); Debian's ppc64el kernels also "
	  "lack CONFIG_PAPR_SCM" },
	{ CAP_PLUG, "ppc64le", "nvdimm", 0, 0, Q(11, 0), 0, NULL, CAP_UNKNOWN, 0,
	  "spapr-nvdimm on QEMU {qemu} is not measured (7.2 and 10.0.2 TCG lack dcbstps, which "
	  "the guest's pmem flush needs); the guest needs CONFIG_PAPR_SCM" },
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

	/* ---- memmap_on_memory: where hot-added memory's struct pages live -------------- *
	 * Modelled up to 7.3 (the newest Debian publishes: trixie-backports); the facts are
	 * measured on Debian 6.1, 6.12 and 7.2 (doc/kernels.md, tests/fixtures/…-deb*). */
	{ CAP_MEMMAP_ON_MEMORY, NULL, "boot", 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "boot memory's memmap is allocated at boot, never on the block itself" },
	{ CAP_MEMMAP_ON_MEMORY, NULL, "virtio-mem", 0, K(7, 3), 0, 0, NULL, CAP_NO, 0,
	  "virtio-mem adds its memory without MHP_MEMMAP_ON_MEMORY on {kernel} (measured "
	  "elsewhere with the parameter on x86_64 6.1, 6.12 and 7.2 and s390x 7.3: managed "
	  "grows by the whole plugged size)" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", "dax-kmem", K(6, 8), K(7, 3), 0, 0,
	  "CONFIG_MHP_MEMMAP_ON_MEMORY", CAP_YES, 0,
	  "x86_64 {kernel}: dax kmem adds its memory with MHP_MEMMAP_ON_MEMORY when the device's "
	  "memmap_on_memory knob is 1 (6.8+, needs the parameter too)" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", "dax-kmem", 0, K(6, 7), 0, 0, NULL, CAP_NO, 0,
	  "dax kmem gains its per-device memmap_on_memory knob in 6.8; kernel is {kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", "dimm", K(5, 12), K(7, 3), 0, 0,
	  "CONFIG_MHP_MEMMAP_ON_MEMORY", CAP_YES, 0,
	  "x86_64 {kernel}: ACPI DIMMs put their memmap on the range with "
	  "memory_hotplug.memmap_on_memory" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", NULL, K(5, 12), K(7, 3), 0, 0, NULL, CAP_NO, 0,
	  "{kind} memory is added without MHP_MEMMAP_ON_MEMORY on {kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "x86_64", NULL, 0, K(5, 11), 0, 0, NULL, CAP_NO, 0,
	  "x86_64 gains memmap_on_memory in 5.12; kernel is {kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "ppc64le", NULL, 0, K(6, 5), 0, 0, NULL, CAP_NO, 0,
	  "ppc64le gains memmap_on_memory in 6.6 (radix MMU, 64K pages, "
	  "memmap_on_memory=force); kernel is {kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "ppc64le", "dimm", K(6, 6), K(7, 3), 0, 0,
	  "CONFIG_MHP_MEMMAP_ON_MEMORY", CAP_YES, 0,
	  "ppc64le {kernel} (radix): DLPAR LMBs put their memmap on the LMB with "
	  "memory_hotplug.memmap_on_memory (=1 when it fills whole pageblocks, =force "
	  "reserving whole pageblocks otherwise)" },
	{ CAP_MEMMAP_ON_MEMORY, "s390x", NULL, 0, K(6, 7), 0, 0, NULL, CAP_NO, 0,
	  "s390x gains memmap_on_memory in 6.8, and only for SCLP standby memory; kernel is "
	  "{kernel}" },
	{ CAP_MEMMAP_ON_MEMORY, "s390x", NULL, K(6, 8), 0, 0, 0, NULL, CAP_NO, 0,
	  "s390x uses memmap_on_memory only for SCLP standby memory, which QEMU does not "
	  "offer" },
	{ CAP_MEMMAP_ON_MEMORY, NULL, NULL, K(7, 4), 0, 0, 0, NULL, CAP_UNKNOWN, 0,
	  "kernel {kernel} is newer than the model (up to 7.3, the newest Debian publishes)" },
	{ CAP_MEMMAP_ON_MEMORY, NULL, NULL, 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "{arch} has no memmap_on_memory for hot-added {kind} memory" },

	/* ---- one altmap per memory block of a multi-block range ----------------------- *
	 * 6b8f0798b85a "mm/memory_hotplug: split memmap_on_memory requests across memblocks"
	 * (Vishal Verma, with the dax kmem knob; first in v6.8): add_memory_resource() gives
	 * every memory block of the range its own altmap. Before it only a range of exactly
	 * one block used one (mhp_supports_memmap_on_memory). pseries DLPAR adds each LMB on
	 * its own, so there every LMB is a one-block range in every version. */
	{ CAP_MEMMAP_PER_BLOCK, "ppc64le", "dimm", 0, 0, 0, 0, NULL, CAP_YES, 0,
	  "pseries DLPAR adds each 256 MiB LMB as a range of its own (dlpar_add_lmb)" },
	{ CAP_MEMMAP_PER_BLOCK, NULL, NULL, K(6, 8), K(7, 3), 0, 0, NULL, CAP_YES, 0,
	  "{kernel}: each memory block of the range hosts its own memmap (split per block "
	  "since 6.8, commit 6b8f0798b85a)" },
	{ CAP_MEMMAP_PER_BLOCK, NULL, NULL, 0, K(6, 7), 0, 0, NULL, CAP_NO, 0,
	  "{kernel}: only a range of exactly one memory block puts its memmap on itself (the "
	  "per-block split came in 6.8)" },
	{ CAP_MEMMAP_PER_BLOCK, NULL, NULL, K(7, 4), 0, 0, 0, NULL, CAP_UNKNOWN, 0,
	  "kernel {kernel} is newer than the model (up to 7.3)" },

	/* ---- how memmap pages on the range read in /proc/kpageflags -------------------- *
	 * "mm/memory_hotplug: initialize memmap of !ZONE_DEVICE with PageOffline() instead of
	 * PageReserved()" (David Hildenbrand, 6.11): hot-added memmap no longer starts
	 * PageReserved, and the self-hosted vmemmap pages keep only PG_owner_priv_1. */
	{ CAP_VMEMMAP_RESERVED, NULL, NULL, 0, K(6, 10), 0, 0, NULL, CAP_YES, 0,
	  "{kernel}: memmap pages on the range are PageReserved (RESERVED|OWNER_PRIVATE, "
	  "seen on 6.1)" },
	{ CAP_VMEMMAP_RESERVED, NULL, NULL, K(6, 11), K(7, 3), 0, 0, NULL, CAP_NO, 0,
	  "{kernel}: memmap pages on the range are no longer PageReserved, only "
	  "PG_vmemmap_self_hosted (OWNER_PRIVATE, seen on 6.12 and 7.2)" },
	{ CAP_VMEMMAP_RESERVED, NULL, NULL, K(7, 4), 0, 0, 0, NULL, CAP_UNKNOWN, 0,
	  "kernel {kernel} is newer than the model (up to 7.3)" },

	/* ---- dax kmem's per-device memmap_on_memory knob (sysfs-bus-dax: v6.8) ------------ */
	{ CAP_DAX_KMEM_MOM, "x86_64", NULL, K(6, 8), 0, 0, 0, "CONFIG_MHP_MEMMAP_ON_MEMORY",
	  CAP_YES, 0, "{kernel}: /sys/bus/dax/devices/daxX.Y/memmap_on_memory exists (6.8+)" },
	{ CAP_DAX_KMEM_MOM, NULL, NULL, 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "{arch} {kernel}: dax kmem has no per-device memmap_on_memory knob (it came in 6.8; "
	  "no NVDIMM on ppc64le/s390x here)" },

	/* ---- virtio-mem dynamic memslots (QEMU 8.2 hw/virtio/virtio-mem.c
	 * "dynamic-memslots"; libvirt 10.1 <target dynamicMemslots='yes'>): host-side only,
	 * the guest sees the same device. Measured on x86_64 and s390x with QEMU 10.0.2 +
	 * libvirt 11.3 (--stack backports); pseries has no virtio-mem. */
	{ CAP_DYNAMIC_MEMSLOTS, NULL, "virtio-mem", 0, 0, 0, Q(8, 1) + 999, NULL, CAP_NO, 0,
	  "QEMU {qemu} has no dynamic memslots for virtio-mem (8.2 has: --stack backports "
	  "has 10.0)" },
	{ CAP_DYNAMIC_MEMSLOTS, NULL, "virtio-mem", 0, 0, Q(8, 2), 0, NULL, CAP_NO, 0,
	  "libvirt {libvirt} cannot ask for virtio-mem dynamic memslots (dynamicMemslots came "
	  "in 10.1: --stack backports has 11.3)", 0, L(10, 0) + 999 },
	{ CAP_DYNAMIC_MEMSLOTS, NULL, "virtio-mem", 0, 0, Q(8, 2), 0, NULL, CAP_YES, 0,
	  "QEMU {qemu} maps the virtio-mem region in memslots as it plugs "
	  "(dynamic-memslots=on, libvirt {libvirt}; measured on x86_64 and s390x)", L(10, 1), 0 },
	{ CAP_DYNAMIC_MEMSLOTS, NULL, NULL, 0, 0, 0, 0, NULL, CAP_NO, 0,
	  "{kind} has no dynamic memslots (a virtio-mem option)" },

	/* ---- a store through a writable, clean PTE makes it dirty (asked under TCG only:
	 * hardware does this under KVM). The kernel maps some pages writable but clean (6.12's
	 * do_swap_page does for a read fault on an exclusive page in the swap cache) and
	 * learns of a store from the PTE's dirty bit alone (radix: C), which the MMU sets.
	 * QEMU 7.2's TCG radix walk (target/ppc/mmu-radix64.c, ppc_radix64_set_rc) sets R
	 * and C itself and takes write permission out of the TLB entry a load makes until a
	 * store sets C; 10.0.2's (ppc_radix64_check_rc) raises DSISR_ATOMIC_RC for a store
	 * without C but keeps a load's write permission, so a later store goes through
	 * without C and reclaim drops the page as clean. Measured with 6.12.113 on pseries,
	 * QEMU 10.0.2: ~600 of 40000 pages swapped to disk came back as their previous
	 * generation, every run; none with the hash MMU (disable_radix) or on QEMU 7.2. */
	{ CAP_STORE_DIRTIES, "ppc64le", NULL, 0, 0, Q(10, 0), 0, NULL, CAP_NO, 0,
	  "QEMU {qemu}'s TCG radix MMU lets a store through a clean PTE without setting its "
	  "change bit, so the kernel can drop a written page as clean; QEMU 7.2 sets it "
	  "(doc/arches.md)" },
	{ CAP_STORE_DIRTIES, "ppc64le", NULL, 0, 0, Q(7, 3), Q(9, 999), NULL, CAP_UNKNOWN, 0,
	  "QEMU {qemu}'s TCG radix MMU was neither read nor measured (7.2 sets a PTE's change "
	  "bit on every store, 10.0.2 not)" },
	{ CAP_STORE_DIRTIES, NULL, NULL, 0, 0, 0, 0, NULL, CAP_YES, 0,
	  "QEMU {qemu} makes a {arch} PTE dirty on a store: a lost write is the kernel's" },
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
	if ((w->lmin || w->lmax) &&
	    (!q->libvirt || q->libvirt < w->lmin || (w->lmax && q->libvirt > w->lmax)))
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
			} else if (kl == 7 && !strncmp(p + 1, "libvirt", 7)) {
				snprintf(val, sizeof(val), "%lu.%lu", q->libvirt / 1000000,
					 q->libvirt / 1000 % 1000);
				v = q->libvirt ? val : "(version not known)";
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
	if ((k == CAP_MEMMAP_ON_MEMORY || k == CAP_VMEMMAP_RESERVED || k == CAP_MEMMAP_PER_BLOCK ||
	     k == CAP_DAX_KMEM_MOM) && !q->kernel) {
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
