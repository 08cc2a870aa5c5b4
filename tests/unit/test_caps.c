/* The capability model: each arch's facts on 6.1 and QEMU 7.2, version and config limits,
 * the placeholders, and reading a release out of kernel images of each arch's format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "caps.h"
#include "model.h"
#include "tap.h"

static const char *const cfg_full =
	"CONFIG_MEMORY_HOTPLUG=y\nCONFIG_MEMORY_HOTREMOVE=y\nCONFIG_MHP_MEMMAP_ON_MEMORY=y\n";
static const char *const cfg_nohotplug =
	"# CONFIG_MEMORY_HOTPLUG is not set\nCONFIG_MEMORY_HOTPLUG_DEFAULT_ONLINE=y\n";
static const char *const cfg_noremove = "CONFIG_MEMORY_HOTPLUG=y\n# CONFIG_MEMORY_HOTREMOVE is not set\n";

static struct cap_fact f;

static enum cap_answer ask(enum cap_kind k, const char *arch, const char *kind, int kernel,
			   unsigned long qemu, const char *config)
{
	struct cap_query q = { .arch = arch, .kind = kind, .kernel = kernel, .qemu = qemu,
			       .config = config };

	return caps_ask(k, &q, &f);
}

/* Writes bytes to a temp file and reads the release back. */
static int release_of(const void *data, size_t n, char *rel, size_t rn)
{
	char path[] = "/tmp/hpt-test-image.XXXXXX";
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, data, n) != (ssize_t)n)
		return -1;
	close(fd);
	rc = kimage_release(path, rel, rn);
	unlink(path);
	return rc;
}

static void images(void)
{
	static char img[8192];
	char rel[96];

	/* ELF vmlinux (ppc64le): the banner */
	memset(img, 0, sizeof(img));
	strcpy(img + 3000, "Linux version 6.1.0-50-powerpc64le (debian-kernel@lists.debian.org) #1");
	ok(release_of(img, sizeof(img), rel, sizeof(rel)) == 0 &&
	   !strcmp(rel, "6.1.0-50-powerpc64le"), "vmlinux banner: %s", rel);
	/* x86 bzImage: "HdrS" at 0x202, kernel_version at 0x200 + le16 at 0x20e */
	memset(img, 0, sizeof(img));
	memcpy(img + 0x202, "HdrS", 4);
	img[0x20e] = 0x00;
	img[0x20f] = 0x10;	/* 0x1000 + 0x200 */
	strcpy(img + 0x1200, "6.8.0-rc1+ (me@box) #3 SMP PREEMPT_DYNAMIC");
	ok(release_of(img, sizeof(img), rel, sizeof(rel)) == 0 && !strcmp(rel, "6.8.0-rc1+"),
	   "bzImage header: %s", rel);
	/* s390 image: the decompressor's "RELEASE (user@host) …" after a non-text byte */
	memset(img, 0xff, sizeof(img));
	memcpy(img + 5000, "\x80" "6.1.0-50-s390x (debian-kernel@lists.debian.org) #1 SMP", 56);
	ok(release_of(img, sizeof(img), rel, sizeof(rel)) == 0 && !strcmp(rel, "6.1.0-50-s390x"),
	   "s390 banner: %s", rel);
	/* a version-looking string without the (user@host) that follows real ones */
	memset(img, 0, sizeof(img));
	strcpy(img + 100, "1.2.3 (not a kernel)");
	ok(release_of(img, sizeof(img), rel, sizeof(rel)) < 0, "no release in other text");
}

int main(void)
{
	const unsigned long q72 = CAP_QEMU(7, 2) + 17;	/* 7.2.17 */
	const int k61 = CAP_VER(6, 1);

	/* plug: what QEMU offers per arch */
	ok(ask(CAP_PLUG, "s390x", "dimm", k61, q72, cfg_full) == CAP_NO &&
	   strstr(f.why, "QEMU 7.2 offers no memory device on s390x"), "s390x: no devices (%s)",
	   f.why);
	ok(ask(CAP_PLUG, "s390x", "dimm", k61, CAP_QEMU(10, 0), cfg_full) == CAP_NO &&
	   strstr(f.why, "virtio-mem-ccw is its only memory device"),
	   "s390x on QEMU 10: still no DIMM (%s)", f.why);
	ok(ask(CAP_PLUG, "x86_64", "dimm", k61, q72, cfg_full) == CAP_YES &&
	   f.granule == 128ull << 20, "x86_64 dimm: yes, 128 MiB steps");
	ok(ask(CAP_PLUG, "ppc64le", "dimm", k61, q72, cfg_full) == CAP_YES &&
	   f.granule == 256ull << 20, "ppc64le dimm: yes, 256 MiB LMBs");
	ok(ask(CAP_PLUG, "ppc64le", "dimm", 0, 0, NULL) == CAP_YES,
	   "unknown kernel, QEMU and config: rows that do not depend on them still answer");
	ok(ask(CAP_PLUG, "x86_64", "dimm", k61, q72, cfg_nohotplug) == CAP_NO &&
	   strstr(f.why, "lacks CONFIG_MEMORY_HOTPLUG"), "kernel without memory hotplug: %s",
	   f.why);
	ok(ask(CAP_PLUG, "x86_64", "boot", k61, q72, cfg_full) == CAP_NO,
	   "boot memory is never plugged");
	ok(ask(CAP_PLUG, "x86_64", "cxl-hbm", k61, q72, cfg_full) == CAP_NO &&
	   strstr(f.why, "x86_64 guests have no cxl-hbm devices"), "unknown kind: %s", f.why);

	/* who onlines */
	ok(ask(CAP_KERNEL_ONLINES, "ppc64le", "dimm", k61, q72, NULL) == CAP_YES,
	   "pseries: the kernel onlines LMBs itself");
	ok(ask(CAP_KERNEL_ONLINES, "x86_64", "dimm", k61, q72, NULL) == CAP_NO,
	   "x86_64: the agent leaves DIMMs offline");

	/* logical offline */
	ok(ask(CAP_OFFLINE, "s390x", "boot", k61, q72, cfg_full) == CAP_YES,
	   "s390x: boot memory offline/online works");
	ok(ask(CAP_OFFLINE, "s390x", "boot", k61, q72, cfg_noremove) == CAP_NO &&
	   strstr(f.why, "CONFIG_MEMORY_HOTREMOVE"), "no hot-remove: %s", f.why);

	/* memmap_on_memory per arch and version */
	ok(ask(CAP_MEMMAP_ON_MEMORY, "ppc64le", "dimm", k61, q72, NULL) == CAP_NO &&
	   strstr(f.why, "6.6") && strstr(f.why, "kernel is 6.1"), "ppc64le 6.1: %s", f.why);
	ok(ask(CAP_MEMMAP_ON_MEMORY, "ppc64le", "dimm", CAP_VER(6, 6), q72, NULL) ==
	   CAP_YES && strstr(f.why, "radix"), "ppc64le 6.6: radix LMBs (%s)", f.why);
	ok(ask(CAP_MEMMAP_ON_MEMORY, "ppc64le", "dimm", CAP_VER(7, 4), q72, NULL) ==
	   CAP_UNKNOWN && strstr(f.why, "7.3"), "7.4: newer than Debian publishes (%s)", f.why);
	ok(ask(CAP_MEMMAP_ON_MEMORY, "x86_64", "virtio-mem", CAP_VER(7, 2), q72, NULL) == CAP_NO,
	   "virtio-mem never puts its memmap on the device (%s)", f.why);
	ok(ask(CAP_MEMMAP_PER_BLOCK, "x86_64", "dimm", CAP_VER(6, 7), q72, NULL) == CAP_NO &&
	   ask(CAP_MEMMAP_PER_BLOCK, "x86_64", "dimm", CAP_VER(6, 8), q72, NULL) == CAP_YES &&
	   strstr(f.why, "6b8f0798b85a"), "per-block memmap from 6.8 on (%s)", f.why);
	ok(ask(CAP_MEMMAP_PER_BLOCK, "ppc64le", "dimm", k61, q72, NULL) == CAP_YES,
	   "pseries: every LMB is a range of its own (%s)", f.why);
	ok(ask(CAP_VMEMMAP_RESERVED, "x86_64", "dimm", CAP_VER(6, 10), q72, NULL) == CAP_YES &&
	   ask(CAP_VMEMMAP_RESERVED, "x86_64", "dimm", CAP_VER(6, 11), q72, NULL) == CAP_NO,
	   "vmemmap pages PageReserved up to 6.10, not from 6.11 (%s)", f.why);
	ok(ask(CAP_DAX_KMEM_MOM, "x86_64", "nvdimm", CAP_VER(6, 8), q72, cfg_full) == CAP_YES &&
	   ask(CAP_DAX_KMEM_MOM, "x86_64", "nvdimm", CAP_VER(6, 7), q72, cfg_full) == CAP_NO,
	   "the dax kmem memmap_on_memory knob from 6.8 on (%s)", f.why);
	ok(ask(CAP_MEMMAP_ON_MEMORY, "s390x", "dimm", k61, q72, NULL) == CAP_NO &&
	   strstr(f.why, "6.8"), "s390x 6.1: %s", f.why);
	ok(ask(CAP_MEMMAP_ON_MEMORY, "s390x", "dimm", CAP_VER(6, 8), q72, NULL) == CAP_NO &&
	   strstr(f.why, "standby"), "s390x 6.8: only standby memory");
	ok(ask(CAP_MEMMAP_ON_MEMORY, "x86_64", "dimm", k61, q72, cfg_full) == CAP_YES,
	   "x86_64 6.1 dimm: yes (one block, with the parameter)");
	ok(ask(CAP_MEMMAP_ON_MEMORY, "x86_64", "dimm", k61, q72, cfg_nohotplug) == CAP_NO,
	   "x86_64 without CONFIG_MHP_MEMMAP_ON_MEMORY: no");
	ok(ask(CAP_MEMMAP_ON_MEMORY, "x86_64", "boot", k61, q72, cfg_full) == CAP_NO,
	   "boot memory's memmap is never on the block");
	ok(ask(CAP_MEMMAP_ON_MEMORY, "x86_64", "dimm", 0, q72, cfg_full) == CAP_UNKNOWN,
	   "unknown kernel version: placement unknown, not a guess");

	/* the model on top of it */
	{
		struct placement_in in = {
			.arch = "ppc64le", .major = 6, .minor = 1, .devkind = "dimm",
			.cmdline = "memory_hotplug.memmap_on_memory=force", .size = 256ull << 20,
			.block_size = 256ull << 20, .page_size = 65536,
		};
		struct placement_pred p;

		model_placement(&in, &p);
		ok(p.p == PLACE_ELSEWHERE && p.vmemmap_pages == 4,
		   "ppc64le 6.1, 64K pages, =force: elsewhere; 4 memmap pages (got %llu)",
		   (unsigned long long)p.vmemmap_pages);
		in.arch = "x86_64";
		in.config = cfg_nohotplug;
		in.cmdline = "memory_hotplug.memmap_on_memory=1";
		in.page_size = 4096;
		model_placement(&in, &p);
		ok(p.p == PLACE_ELSEWHERE && strstr(p.why, "CONFIG_MHP_MEMMAP_ON_MEMORY"),
		   "the model passes the config on: %s", p.why);
	}

	/* lost writes: the emulator's (QEMU 10.0's TCG radix MMU) or the kernel's */
	{
		const unsigned long q100 = CAP_QEMU(10, 0) + 2, q82 = CAP_QEMU(8, 2);

		ok(ask(CAP_STORE_DIRTIES, "ppc64le", NULL, k61, q100, NULL) == CAP_NO &&
		   strstr(f.why, "QEMU 10.0") && strstr(f.why, "change bit"),
		   "fires: pseries on QEMU 10.0 lets a store through a clean PTE: %s", f.why);
		ok(ask(CAP_STORE_DIRTIES, "ppc64le", NULL, k61, q72, NULL) == CAP_YES &&
		   strstr(f.why, "the kernel's"), "pseries on QEMU 7.2: the kernel's: %s", f.why);
		ok(ask(CAP_STORE_DIRTIES, "x86_64", NULL, k61, q100, NULL) == CAP_YES &&
		   ask(CAP_STORE_DIRTIES, "s390x", NULL, k61, q100, NULL) == CAP_YES,
		   "x86_64 and s390x on QEMU 10.0: the kernel's");
		ok(ask(CAP_STORE_DIRTIES, "ppc64le", NULL, k61, q82, NULL) == CAP_UNKNOWN,
		   "pseries on an unread QEMU: not known, so not excused: %s", f.why);
		ok(ask(CAP_STORE_DIRTIES, "ppc64le", NULL, k61, 0, NULL) == CAP_YES,
		   "QEMU not known: the kernel's");
	}

	ok(caps_config_has(cfg_full, "CONFIG_MEMORY_HOTPLUG") == 1 &&
	   caps_config_has(cfg_nohotplug, "CONFIG_MEMORY_HOTPLUG") == 0 &&
	   caps_config_has("CONFIG_X=m\n", "CONFIG_X") == 1 &&
	   caps_config_has(NULL, "CONFIG_X") == -1, "config lookups: =y/=m, prefixes, unknown");
	images();
	return done();
}
