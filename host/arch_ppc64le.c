/* ppc64le back-end: pseries (PAPR) with DLPAR memory hotplug of 256 MiB LMBs, console on
 * hvc0 (spapr-vty).
 * Boot: VOF (QEMU's minimal Open Firmware client interface, -machine x-vof=on) instead
 * of SLOF: kernel to agent hello 3.3 s instead of 8.1 s under TCG, the same device tree
 * after CAS (256 MiB memory blocks with <maxMemory>). SLOF formats the NVRAM, VOF does
 * not, and the kernel then warns "nvram corruption detected: 0-length partition": each
 * run gets an NVRAM image holding one free partition, as SLOF would leave it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arch.h"
#include "hpt.h"

#define NVRAM_SIZE 65536	/* QEMU's default spapr-nvram size */
#define NVRAM_SIG_FREE 0x7f

/* The kernel's nvram_checksum() (arch/powerpc/kernel/nvram_64.c) of a partition header:
 * signature, length (in 16-byte blocks, host order once read) and the name as 6 shorts
 * read in the guest's (little-endian) order. */
static unsigned char nvram_checksum(unsigned char sig, unsigned length, const char *name)
{
	unsigned c_sum = sig + length, c_sum2;

	for (int i = 0; i < 12; i += 2)
		c_sum += (unsigned char)name[i] | (unsigned)(unsigned char)name[i + 1] << 8;
	c_sum = ((c_sum & 0xffff) + (c_sum >> 16)) & 0xffff;
	c_sum2 = (c_sum >> 8) + (c_sum << 8);
	return (unsigned char)(((c_sum + c_sum2) >> 8) & 0xff);
}

/* Writes an NVRAM image with one free partition spanning it (big-endian header). */
static int write_nvram(const char *path)
{
	static const char name[12] = "wwwwwwwwwwww";
	unsigned char *img = calloc(1, NVRAM_SIZE);
	unsigned len = NVRAM_SIZE / 16;
	int fd, rc = 0;

	if (!img)
		return -ENOMEM;
	img[0] = NVRAM_SIG_FREE;
	img[1] = nvram_checksum(NVRAM_SIG_FREE, len, name);
	img[2] = (unsigned char)(len >> 8);
	img[3] = (unsigned char)len;
	memcpy(img + 4, name, sizeof(name));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, img, NVRAM_SIZE) != NVRAM_SIZE)
		rc = -errno ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	free(img);
	return rc;
}

static void ppc_features(struct strbuf *sb, const struct run *r)
{
	char dir[PATH_MAX], nvram[PATH_MAX + 16];

	sb_adds(sb, "<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		    "<qemu:arg value='-machine'/><qemu:arg value='x-vof=on,cap-cfpc=broken,"
		    "cap-sbbc=broken,cap-ibs=broken,cap-ccf-assist=off'/>");
	if (realpath(r->dir, dir) && !dir[strcspn(dir, ",'\"&<>")]) {
		snprintf(nvram, sizeof(nvram), "%s/nvram.bin", dir);
		if (write_nvram(nvram) == 0)
			sb_addf(sb, "<qemu:arg value='-drive'/><qemu:arg value='if=none,id=hpt-nvram,"
				"format=raw,file=%s'/><qemu:arg value='-global'/>"
				"<qemu:arg value='spapr-nvram.drive=hpt-nvram'/>", nvram);
	}
	sb_adds(sb, "</qemu:commandline>\n");
}

static void ppc_console(struct strbuf *sb, const char *log)
{
	/* on pseries libvirt makes <serial> a spapr-vty: the guest's hvc0 */
	if (!log)	/* on a remote host: a pty, streamed to us (remote.h) */
		sb_adds(sb, "<serial type='pty'><target port='0'/></serial>\n");
	else
		sb_addf(sb, "<serial type='file'><source path='%s'/><target port='0'/></serial>\n",
			log);
}

const struct arch arch_ppc64le = {
	.name = "ppc64le",
	.virt_arch = "ppc64le",
	.machine = "pseries",
	.emulator = "/usr/bin/qemu-system-ppc64",
	.kernel_image = "vmlinuz",	/* Debian's ppc64el image is an uncompressed ELF */
	/* the kernel onlines hot-added LMBs itself (caps.c); auto-movable makes it choose
	 * ZONE_MOVABLE, as `online NAME movable` would, so that they can be offlined again */
	.base_cmdline = "console=hvc0 quiet panic=-1 rcupdate.rcu_expedited=1 "
			"memory_hotplug.online_policy=auto-movable",
	.default_memory = 512ull << 20,
	.features_xml = ppc_features,
	.console_xml = ppc_console,
	/* Restored pseries guests under TCG. QEMU 7.2 does not migrate a TCG CPU's
	 * decrementer (upstream "target/ppc: Migrate DECR SPR", QEMU 8.2) nor its pending
	 * interrupts: a restored guest whose next timer event was programmed at the save
	 * never gets a timer interrupt again (measured: a restored pins run's timer
	 * interrupt count stood still from its first snapshot to its last and it hung when
	 * the workload stopped; dimm-cycles saw MemFree, SUnreclaim and PageTables grow
	 * 276 kB a cycle, RCU's callbacks never running). Every restore therefore asks the
	 * agent to prove each CPU's timer runs, and to revive a dead one (guest/v_timer.c);
	 * with that, restored 1-vCPU guests passed every shipped scenario on 6.1, 6.12 and
	 * 7.2 (2026-12-06), as they did on QEMU 10.0 (--stack backports) without it. Guests
	 * saved with 2 vCPUs running hung after a restore (7.2: one of 9 in a matrix never
	 * answered; 10.0: 8 of 8 at their first snapshot), so a guest is saved with its
	 * secondary CPUs offline (the kernel stops them with RTAS stop-self) and gets them
	 * back online (RTAS start-cpu) after each restore, before the timer proof: only the
	 * CPU that saved runs across a save (restore_cpus_offline; since then 45 of 45
	 * restored 2-vCPU jobs passed on 7.2 and 24 of 24 on 10.0) */
	.no_restore = "pseries guests are restored under TCG on QEMU 7.2 or later only (where "
		      "it was measured); they boot",
	.restore_tcg_qemu_min = 7002000,
	.restore_tcg_max_cpus = 1,
	.restore_cpus_offline = 1,
};
