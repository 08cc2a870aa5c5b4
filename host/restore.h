/* Booted-guest restore: the first run that boots a guest a given way saves it once its
 * agent said hello (libvirt's save image, in .cache/saved/ or $HPT_SAVED_DIR), and every
 * later run that would boot it the same way restores it instead. "The same way" is the
 * key: the arch, libvirt's and QEMU's versions, the identity of the kernel, initramfs,
 * firmware and emulator files, and the domain XML with the run's own paths and name
 * taken out (memory, maxmem, slots, cpus, nodes, command line, scratch disk, boot-time
 * memory devices). A domain that keeps other files in the run dir (an NVDIMM's backing
 * file, the initramfs made for --kernel) is not saved. Failures fall back to a boot and
 * say why (r->restore.note, results.json). */
#ifndef HPT_RESTORE_H
#define HPT_RESTORE_H
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include "hpt.h"
#include "strbuf.h"

#define RESTORE_FORMAT 3	/* bump when what a saved guest holds changes (3: a pseries
				 * guest with a CPU offline at boot is no longer saved) */
#define RESTORE_NOSAVE_S 86400	/* a guest that could not be saved boots this long */
#define RESTORE_KEEP 96		/* saved guests kept in the cache; the least recently used go */
#define RESTORE_KEEP_BYTES (3ull << 30)	/* and at most this much of images (75-115 MB
					 * each for a 512 MiB guest: ~30 of them);
					 * $HPT_SAVED_MAX overrides */

struct restore_key {
	struct strbuf text;	/* what the saved guest depends on, one fact a line */
	uint64_t hash;		/* FNV-1a 64 of text */
	char name[64];		/* domain name of the saved guest: hpt-<arch>-r<hash> */
	char uuid[40];		/* its uuid, from the text too: concurrent saves agree */
};

/* The key of run r booting kernel and initrd with domain XML xml (made for the run's
 * r->vm_name, r->dir and socket sock); versions from libvirt. 0, or 1 when the run
 * cannot be restored (why says so), or -errno (why). Release k->text after. */
int restore_key(const struct run *r, const char *xml, const char *sock, const char *kernel,
		const char *initrd, unsigned long lib_ver, unsigned long qemu_ver,
		struct restore_key *k, char *why, size_t n);
/* Why a guest of arch a (accel "tcg" or "kvm", cpus vCPUs, on QEMU qemu_ver as
 * virConnectGetVersion says, 0 if unknown) is never restored: a->no_restore unless its
 * restore_tcg_qemu_min lets a TCG guest after all (arch.h); NULL when it may be. */
const char *restore_arch_refuses(const struct arch *a, const char *accel, uint64_t cpus,
				 unsigned long qemu_ver);
/* Domain XML for restoring into run dir `dir`, listening on `sock`: saved, the image's
 * own domain XML (libvirt restores only into its name and uuid, and re-parses any other
 * rendering of memory devices wrongly), with the saving run's dir and socket replaced by
 * these and a console log that keeps the boot's lines (append). 0 or -EINVAL. */
int restore_xml(struct strbuf *out, const char *saved, const char *dir, const char *sock);

/* Before a boot: restores the run's guest from the cache when it can (0: the guest runs,
 * restored, r->booted set) and names the domain after the key; else 1 — boot it, and
 * save it after the hello when r->restore.save; r->restore.note says why. -errno (err)
 * only when interrupted. */
int restore_start(struct run *r, const char *kernel, const char *initrd, char *err,
		  size_t errlen);
/* After a boot to the agent's info with r->restore.save: saves the guest into the cache
 * and restores it from there. 0: the guest runs (restored; or still the booted one when
 * the save failed); 1: the guest is gone (its restore failed): boot again; -errno (err)
 * when interrupted. */
int restore_save(struct run *r, const char *kernel, const char *initrd, char *err,
		 size_t errlen);

#endif
