/* The key of a saved guest (host/restore_key.c): runs that boot the same way share it
 * whatever their scenario, run dir and domain name; every boot option, file and version
 * that shapes the booted guest changes it; a domain that keeps files in the run dir
 * cannot be saved; the restore XML is the image's own with the new run's paths; which
 * arches' guests are restored. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "arch.h"
#include "devkind.h"
#include "guest.h"
#include "restore.h"
#include "tap.h"

static char tmpdir[] = "/tmp/hpt-test-restore.XXXXXX";
static char kernel[PATH_MAX], initrd[PATH_MAX], emulator[PATH_MAX];
static struct arch fake;
static struct run_opts opts;

static void touch(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static void setup(struct run *r, const char *dir, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->arch = &fake;
	r->opts = &opts;
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(r->vm_name, sizeof(r->vm_name), "%s", name);
	r->boot.memory = 512ull << 20;
	r->boot.maxmem = 4ull << 30;
	r->boot.slots = 8;
	r->boot.cpus = 1;
	snprintf(r->boot.cmdline, sizeof(r->boot.cmdline), "memory_hotplug.memmap_on_memory=1");
}

/* The key of r (hash 0 and why filled when there is none); returns restore_key's rc. */
static char last_uuid[40];

static int key(struct run *r, const char *initrd_path, unsigned long qemu, uint64_t *hash,
	       char *name, char *why)
{
	struct strbuf xml = STRBUF_INIT;
	struct restore_key k;
	char sock[PATH_MAX];
	int rc;

	snprintf(sock, sizeof(sock), "/tmp/hpt.abc/%s.sock", r->vm_name);
	guest_domain_xml(&xml, r, "qemu", kernel, initrd_path, sock);
	why[0] = 0;
	rc = restore_key(r, sb_str(&xml), sock, kernel, initrd_path, 9000000, qemu, &k, why, 300);
	*hash = rc == 0 ? k.hash : 0;
	snprintf(last_uuid, sizeof(last_uuid), "%s", rc == 0 ? k.uuid : "");
	if (name)
		snprintf(name, 64, "%s", rc == 0 ? k.name : "");
	if (rc == 0)
		sb_release(&k.text);
	sb_release(&xml);
	return rc;
}

int main(void)
{
	struct run *r = calloc(1, sizeof(*r)), *o = calloc(1, sizeof(*o));
	char why[300], name[64], inside[PATH_MAX];
	uint64_t h0, h;
	struct strbuf out = STRBUF_INIT;

	if (!r || !o || !mkdtemp(tmpdir))
		return 1;
	fake = *arch_find("x86_64");
	snprintf(kernel, sizeof(kernel), "%s/vmlinux", tmpdir);
	snprintf(initrd, sizeof(initrd), "%s/initramfs.cpio.gz", tmpdir);
	snprintf(emulator, sizeof(emulator), "%s/qemu-system-x86_64", tmpdir);
	touch(kernel, "kernel");
	touch(initrd, "initrd");
	touch(emulator, "qemu");
	fake.emulator = emulator;
	fake.firmware = NULL;

	setup(r, "/tmp/runs/a-mom-x86_64", "hpt-x86_64-dimm-memmap-on-memory-100");
	ok(key(r, initrd, 7002000, &h0, name, why) == 0 && h0, "a DIMM boot has a key");
	ok(!strncmp(name, "hpt-x86_64-r", 12) && strlen(name) == 28,
	   "the saved guest's domain name is hpt-<arch>-r<16 hex digits>: %s", name);
	{
		char u[40];
		unsigned a, b, c, d;
		unsigned long long e;

		snprintf(u, sizeof(u), "%s", last_uuid);
		ok(sscanf(u, "%8x-%4x-%4x-%4x-%12llx", &a, &b, &c, &d, &e) == 5 &&
		   strlen(u) == 36 && u[14] == '4' && strchr("89ab", u[19]),
		   "the saved guest's uuid comes from the key, RFC 4122 form: %s", u);
		key(r, initrd, 7002000, &h, NULL, why);
		ok(!strcmp(u, last_uuid), "the same key gives the same uuid (concurrent saves agree)");
	}
	setup(o, "/tmp/other/b-cycles-x86_64", "hpt-x86_64-dimm-cycles-200");
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h == h0,
	   "another scenario, run dir and name that boot the same way share the key");

	o->boot.memory = 1ull << 30;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0, "memory changes the key");
	setup(o, r->dir, r->vm_name);
	snprintf(o->boot.cmdline, sizeof(o->boot.cmdline), "movablecore=1G");
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0, "the command line changes it");
	setup(o, r->dir, r->vm_name);
	o->boot.cpus = 2;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0, "cpus change it");
	setup(o, r->dir, r->vm_name);
	o->boot.nodes = 2;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0, "NUMA nodes change it");
	setup(o, r->dir, r->vm_name);
	o->boot.slots = 4;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0, "slots change it");
	setup(o, r->dir, r->vm_name);
	o->boot.disk = 256ull << 20;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0,
	   "a scratch disk changes it, and is no obstacle");
	setup(o, r->dir, r->vm_name);
	ok(key(o, initrd, 7002001, &h, NULL, why) == 0 && h != h0, "another QEMU changes it");
	opts.debug_kernel = 1;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0,
	   "the debug kernel's command line changes it");
	opts.debug_kernel = 0;

	/* a rebuilt kernel is another kernel, even at the same path */
	{
		struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };

		utimensat(AT_FDCWD, kernel, ts, 0);
		ok(key(o, initrd, 7002000, &h, NULL, why) == 0 && h != h0 &&
		   key(r, initrd, 7002000, &h0, NULL, why) == 0 && h == h0,
		   "the kernel's mtime changes it");
	}
	/* another kernel unpacked over it, same size, its mtime set back: ctime tells */
	{
		struct stat st0, st;
		struct timespec ts[2];
		int tries = 0;

		key(r, initrd, 7002000, &h0, NULL, why);
		stat(kernel, &st0);
		ts[0] = st0.st_atim;
		ts[1] = st0.st_mtim;
		do {	/* until the coarse clock that stamps ctime moved on */
			touch(kernel, "KERNEL");
			utimensat(AT_FDCWD, kernel, ts, 0);
			stat(kernel, &st);
		} while (st.st_ctim.tv_sec == st0.st_ctim.tv_sec &&
			 st.st_ctim.tv_nsec == st0.st_ctim.tv_nsec && ++tries < 1000000);
		ok(st.st_size == st0.st_size && st.st_mtim.tv_sec == st0.st_mtim.tv_sec &&
		   st.st_ino == st0.st_ino && key(r, initrd, 7002000, &h, NULL, why) == 0 && h != h0,
		   "another kernel written over it, same inode, size and mtime: another key");
	}
	{
		char other[PATH_MAX + 8];
		uint64_t ha;

		key(r, initrd, 7002000, &h0, NULL, why);
		snprintf(other, sizeof(other), "%s.new", initrd);
		touch(other, "INITRD");
		rename(other, initrd);
		ok(key(r, initrd, 7002000, &ha, NULL, why) == 0 && ha != h0,
		   "another initramfs (its modules, probe and agent) renamed into place: another key");
	}
	ok(key(o, "/nonexistent/initrd", 7002000, &h, NULL, why) < 0 && strstr(why, "initrd"),
	   "a missing initramfs: no key (%s)", why);

	/* what cannot be carried over */
	snprintf(inside, sizeof(inside), "%s/kernel/initrd.img", o->dir);
	ok(key(o, inside, 7002000, &h, NULL, why) == 1 && strstr(why, "kernel/initrd.img"),
	   "an initramfs made in the run dir (--kernel): not saved (%s)", why);
	setup(o, r->dir, r->vm_name);
	o->devs[0].kind = devkind_find("nvdimm");
	snprintf(o->devs[0].name, sizeof(o->devs[0].name), "nv0");
	snprintf(o->devs[0].alias, sizeof(o->devs[0].alias), "ua-nv0");
	o->devs[0].size = 1ull << 30;
	o->n_devs = 1;
	ok(key(o, initrd, 7002000, &h, NULL, why) == 1 && strstr(why, "nvdimm-nv0.img"),
	   "an NVDIMM backed by a file in the run dir: not saved (%s)", why);

	{
		static const char saved[] =
			"<domain type='qemu'>\n  <name>hpt-x86_64-r0</name>\n  <uuid>u</uuid>\n"
			"  <memory unit='KiB'>1048576</memory>\n  <devices>\n"
			"    <disk type='file' device='disk'><source file='/runs/old/scratch.img'/></disk>\n"
			"    <serial type='file'>\n      <source path='/runs/old/console.log'/>\n"
			"    </serial>\n    <console type='file'>\n"
			"      <source path='/runs/old/console.log'/>\n    </console>\n"
			"    <channel type='unix'>\n"
			"      <source mode='bind' path='/tmp/hpt.aaaaaa/hpt-x86_64-r0.sock'/>\n"
			"    </channel>\n  </devices>\n</domain>\n";
		const char *x;

		{
		struct arch ppc = *arch_find("ppc64le");
		char dir[PATH_MAX], nv[PATH_MAX + 16];

		/* pseries writes its NVRAM into the run dir, named by its real path */
		snprintf(dir, sizeof(dir), "%s/run", tmpdir);
		snprintf(nv, sizeof(nv), "%s/nvram.bin", dir);
		mkdir(dir, 0700);
		ppc.emulator = emulator;
		ppc.firmware = NULL;
		setup(o, dir, "hpt-ppc64le-x-1");
		o->arch = &ppc;
		ok(key(o, initrd, 7002000, &h, NULL, why) == 0,
		   "pseries' NVRAM in the run dir is no obstacle: restore carries it");
		unlink(nv);
		rmdir(dir);
	}
	ok(restore_xml(&out, saved, "/new/r&d", "/tmp/hpt.bbbbbb/hpt-x86_64-r0.sock") == 0,
		   "restore XML from the image's own domain XML");
		x = sb_str(&out);
		ok(strstr(x, "<source file='/new/r&amp;d/scratch.img'/>") &&
		   strstr(x, "<source path='/new/r&amp;d/console.log' append='on'/>") &&
		   !strstr(x, "/runs/old/"), "the saving run's dir is the new run's everywhere, "
		   "escaped, and the console appended to");
		ok(strstr(x, "path='/tmp/hpt.bbbbbb/hpt-x86_64-r0.sock'") && !strstr(x, "hpt.aaaaaa"),
		   "the agent socket is the new run's");
		ok(strstr(x, "<uuid>u</uuid>") && strstr(x, "<memory unit='KiB'>1048576</memory>"),
		   "the rest, memory included, stays as libvirt saved it");
		sb_reset(&out);
		ok(restore_xml(&out, "<domain><name>n</name></domain>", "/d", "/s") < 0,
		   "a domain without console log or agent socket cannot be restored into a run");
	}
	{
		/* which arches restore (arch.h's no_restore, restore_tcg_qemu_min) */
		const struct arch *ppc = arch_find("ppc64le"), *x86 = arch_find("x86_64");

		ok(!restore_arch_refuses(x86, "tcg", 2, 7002000), "x86_64 guests are restored");
		ok(!restore_arch_refuses(ppc, "tcg", 1, 7002022),
		   "a 1-vCPU pseries guest under TCG on QEMU 7.2 is restored (its timers proven "
		   "and revived: guest/v_timer.c)");
		ok(!restore_arch_refuses(ppc, "tcg", 1, 10000002), "... and on QEMU 10.0.2");
		ok(restore_arch_refuses(ppc, "tcg", 1, 7001000) != NULL,
		   "... not on QEMU 7.1, never measured");
		ok(!restore_arch_refuses(ppc, "tcg", 2, 7002022) &&
		   !restore_arch_refuses(ppc, "tcg", 8, 7002022),
		   "a pseries guest of 2 or 8 vCPUs is restored on QEMU 7.2: saved with one CPU "
		   "online (restore_cpus_offline)");
		ok(restore_arch_refuses(ppc, "tcg", 2, 7001000) == ppc->no_restore,
		   "... not on QEMU 7.1, saying why: %s", ppc->no_restore);
		ok(restore_arch_refuses(ppc, "kvm", 1, 10000002) == ppc->no_restore,
		   "a KVM pseries guest boots: never measured here, so never assumed");
	}
	{
		/* the agent's timer proof, as guest/v_timer.c answers it (guest_timer.c) */
		struct guest_timer t;
		char err[200];

		ok(guest_timer_parse("cpu=0 kicked=0 first_ms=2 second_ms=1\n", &t, err,
				     sizeof(err)) == 0 && t.cpus == 1 && !t.revived &&
		   t.slowest_ms == 2, "one CPU whose timer ran");
		ok(guest_timer_parse("cpu=0 kicked=1 first_ms=93 second_ms=2\n"
				     "cpu=1 kicked=0 first_ms=3 second_ms=1\n", &t, err,
				     sizeof(err)) == 0 && t.cpus == 2 && t.revived == 1 &&
		   t.slowest_ms == 93, "two CPUs, one revived: the slowest first timer is kept");
		ok(guest_timer_parse("", &t, err, sizeof(err)) == -EPROTO &&
		   strstr(err, "no CPU"), "an answer naming no CPU is refused: %s", err);
		ok(guest_timer_parse("cpu=0 kicked=1 first_ms=-1 second_ms=-1\n", &t, err,
				     sizeof(err)) == -EPROTO, "a CPU whose timer never fired in an "
		   "answer that claims success is refused: %s", err);
		ok(guest_timer_parse("cpu=0 kicked=x\n", &t, err, sizeof(err)) == -EPROTO &&
		   strstr(err, "unreadable"), "a garbled line is refused: %s", err);
		ok(guest_timer_parse("note: cpu=0 kicked=0 first_ms=2 second_ms=1\n", &t, err,
				     sizeof(err)) == -EPROTO, "only lines that start with cpu= count");
	}
	sb_release(&out);
	unlink(kernel);
	unlink(initrd);
	unlink(emulator);
	rmdir(tmpdir);
	free(r);
	free(o);
	return done();
}
