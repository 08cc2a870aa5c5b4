/* Architecture back-ends: how to boot a guest of this arch and what it can do.
 * One file per arch (arch_<name>.c), listed once in registry.c. */
#ifndef HPT_ARCH_H
#define HPT_ARCH_H
#include <stdint.h>
#include "strbuf.h"

struct run;

struct arch {
	const char *name;		/* "x86_64": scenario and CLI name */
	const char *virt_arch;		/* libvirt <type arch=…> */
	const char *machine;		/* libvirt machine type */
	const char *emulator;		/* QEMU binary */
	const char *firmware;		/* <loader type='rom'> (NULL = QEMU's default) */
	const char *kernel_image;	/* file in build/<arch>/kernel/ to boot */
	const char *base_cmdline;	/* console etc.; the scenario's cmdline is appended */
	uint64_t default_memory;	/* boot memory when the scenario names none */
	/* which device kinds exist here, their size steps and who onlines them: caps.c */
	/* libvirt <panic model=…> that turns a guest panic into a CRASHED event (x86 "isa" =
	 * pvpanic; NULL = none or the machine's own reporting, e.g. s390 disabled wait) */
	const char *panic_model;
	int no_numa;			/* the machine has no NUMA (s390x): no <numa> cell */
	/* a DIMM's removal ends with the guest's _OST for the slot (QEMU's ACPI_DEVICE_OST):
	 * ACPI memory hotplug; the slot is not reused before it */
	int acpi_ost;
	/* Appends arch-specific domain XML: <features>, console/serial to console_log (NULL:
	 * a pty, on a remote host). */
	void (*features_xml)(struct strbuf *sb, const struct run *r);
	void (*console_xml)(struct strbuf *sb, const char *console_log);
	/* Appends kernel arguments that depend on the host the guest runs on (or NULL);
	 * tcg: QEMU emulates the CPU; local: libvirt runs QEMU on this machine. */
	void (*host_cmdline)(struct strbuf *sb, int tcg, int local);
	/* why a saved guest is not restored here (restore.c), NULL = it is; with
	 * restore_tcg_qemu_min set it is after all for a guest of at most
	 * restore_tcg_max_cpus vCPUs under TCG on a QEMU at least that new (major * 1000000
	 * + minor * 1000 + micro, as virConnectGetVersion says); KVM guests never */
	const char *no_restore;
	unsigned long restore_tcg_qemu_min;
	uint64_t restore_tcg_max_cpus;
	/* the guest's secondary CPUs are offline while it is saved: taken offline before
	 * the save, brought online after each restore, so that restore_tcg_max_cpus counts
	 * the one CPU that runs across it */
	int restore_cpus_offline;
	/* under TCG a guest of 2 or more vCPUs boots on its first CPU only (maxcpus=1) and the
	 * host brings the others online once the agent said hello, unless its command line
	 * limits its CPUs itself (guest.c cpus_late; why: the arch's file) */
	int tcg_cpus_late;
};

const struct arch *arch_find(const char *name);
/* The arch of this host's userland, as our names spell it. */
const char *arch_host(void);

extern const struct arch *const arches[];	/* NULL-terminated, registry.c */

#endif
