/* The capability model: what each (arch, device kind, guest kernel version and config,
 * QEMU and libvirt versions) can do, as one table of facts (caps.c). Steps ask it before doing
 * something impossible (and SKIP with its reason); the expectation model (model.c) asks
 * it where the memmap of hot-added memory goes. Pure: unit-tested without a guest. */
#ifndef HPT_CAPS_H
#define HPT_CAPS_H
#include <stddef.h>
#include <stdint.h>

/* What can be asked. */
enum cap_kind {
	CAP_PLUG,		/* the device kind can be hot-plugged here (granule: size step) */
	CAP_KERNEL_ONLINES,	/* the guest kernel onlines hot-added memory by itself */
	CAP_OFFLINE,		/* memory blocks can be offlined/onlined through sysfs */
	CAP_MEMMAP_ON_MEMORY,	/* YES: the memmap can go on the range with the parameter (whole
				 * memory blocks, pageblock-aligned memmap; model.c) */
	CAP_MEMMAP_PER_BLOCK,	/* YES: a range of several memory blocks gets one altmap per
				 * block (each block hosts its own memmap); NO: only a range of
				 * exactly one block uses the altmap */
	CAP_VMEMMAP_RESERVED,	/* YES: memmap pages on the range are PageReserved (kpageflags
				 * RESERVED); NO: only PG_vmemmap_self_hosted (OWNER_PRIVATE) */
	CAP_DAX_KMEM_MOM,	/* YES: dax kmem has the per-device memmap_on_memory knob
				 * (/sys/bus/dax/devices/daxX.Y/memmap_on_memory) */
	CAP_DYNAMIC_MEMSLOTS,	/* YES: virtio-mem's region can be mapped in memslots as it
				 * plugs (QEMU dynamic-memslots, libvirt dynamicMemslots) */
	CAP_STORE_DIRTIES,	/* YES: under TCG, a store through a writable PTE that is not
				 * dirty makes it dirty (the kernel sees every write); NO: the
				 * emulator can let it through clean (lost writes are its own) */
	CAP__COUNT
};
extern const char *const cap_names[CAP__COUNT];

enum cap_answer { CAP_NO, CAP_YES, CAP_UNKNOWN };

#define CAP_VER(maj, min) ((maj) * 1000 + (min))
/* QEMU versions as libvirt encodes them (virConnectGetVersion). */
#define CAP_QEMU(maj, min) ((unsigned long)(maj) * 1000000ul + (unsigned long)(min) * 1000ul)
/* libvirt's own versions (virConnectGetLibVersion): the same encoding. */
#define CAP_LIBVIRT(maj, min) CAP_QEMU(maj, min)

struct cap_query {
	const char *arch;	/* "x86_64", "ppc64le", "s390x" */
	const char *kind;	/* device kind ("dimm", "boot"); NULL = none in particular */
	int kernel;		/* CAP_VER of the guest kernel; 0 = not known (yet) */
	unsigned long qemu;	/* libvirt encoding; 0 = not known */
	unsigned long libvirt;	/* libvirt's own version, same encoding; 0 = not known */
	const char *config;	/* the guest kernel's .config text; NULL = not known */
};

struct cap_fact {
	enum cap_answer a;
	uint64_t granule;	/* CAP_PLUG YES: device sizes are multiples of this */
	char why[320];		/* the fact, with the query's values filled in */
};

/* Answers k for q from the first matching row of the table. A row that constrains the
 * kernel or QEMU version does not match when that version is unknown; a YES that needs a
 * kernel option becomes NO when the config is known and lacks it. Returns f->a. */
enum cap_answer caps_ask(enum cap_kind k, const struct cap_query *q, struct cap_fact *f);
/* 1 if `CONFIG_x=y` or `=m` is in config (NULL config: -1, not known). */
int caps_config_has(const char *config, const char *option);

struct run;
/* Fills q for r and device kind `kind`: arch, kernel version (the booted guest's, else
 * read from the kernel image), QEMU version (libvirt), config (next to the image). */
void caps_query_for(struct run *r, const char *kind, struct cap_query *q);
/* A step's needs(): 0 unless the capability model says `cap` is impossible for device
 * `kind` (NULL: boot memory) on this run's guest; then -1 with its reason in why. */
int caps_need(struct run *r, enum cap_kind cap, const char *kind, char *why, size_t n);
/* The kernel release of an image file: "Linux version X", the x86 boot header's string,
 * or s390's "X (user@host)" banner. 0 and rel filled, or -ENOENT. */
int kimage_release(const char *path, char *rel, size_t n);

#endif
