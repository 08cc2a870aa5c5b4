/* Guest lifecycle (see guest.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include "agent.h"
#include "arch.h"
#include "devkind.h"
#include "guest.h"
#include "hex.h"
#include "image.h"
#include "kernels.h"
#include "remote.h"
#include "restore.h"
#include "modneeds.h"
#include "size.h"
#include "virt.h"
#include "xml.h"

const char *hpt_top(void)
{
	static char top[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n;

	if (top[0])
		return top;
	if (getenv("HPT_TOP")) {
		snprintf(top, sizeof(top), "%s", getenv("HPT_TOP"));
		return top;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return ".";
	exe[n] = 0;
	/* <top>/build/hotplug-test */
	snprintf(top, sizeof(top), "%s", dirname(dirname(exe)));
	return top;
}

static int file_ok(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* Ours: Debian's kernel of the arch (or the debug kernel), its agent and initramfs, made
 * by make (which decides what is stale: downloads, builds); only the stages that have
 * something to do are announced. */
static int prepare_ours(const struct run *r, int tools, char *kernel, char *initrd, size_t n,
			char *err, size_t errlen)
{
	const char *top = hpt_top(), *dbg = r->opts->debug_kernel ? "-debug" : "";
	char target[64], file[PATH_MAX], stage[128];
	char *q[] = { "make", "-q", "--no-print-directory", "-C", (char *)top, file, NULL };
	char *mk[] = { "make", "-s", "--no-print-directory", "-C", (char *)top, target, NULL };

	snprintf(target, sizeof(target), "%s%s-%s", r->opts->debug_kernel ? "debug-kernel" :
		 "guest", tools ? "-tools" : "", r->arch->name);
	snprintf(kernel, n, "%s/build/%s%s/kernel/%s", top, r->arch->name, dbg,
		 r->arch->kernel_image ? r->arch->kernel_image : "vmlinuz");
	snprintf(initrd, n, "%s/build/%s%s/initramfs%s.cpio.gz", top, r->arch->name, dbg,
		 tools ? "-tools" : "");
	/* up to date (make -q): nothing to say, nothing to run */
	snprintf(file, sizeof(file), "build/%s%s/initramfs%s.cpio.gz", r->arch->name, dbg,
		 tools ? "-tools" : "");
	if (prep_quiet(q) == 0)
		return 0;
	snprintf(stage, sizeof(stage), "preparing the %s%s guest (kernel, agent%s, initramfs%s)",
		 r->arch->name, r->opts->debug_kernel ? " debug" : "",
		 r->opts->debug_kernel ? "" : ", probe", tools ? " with ndctl/daxctl" : "");
	if (prep_tool(mk, stage) < 0) {
		snprintf(err, errlen, "preparing the %s guest failed (make -C %s %s)",
			 r->arch->name, top, target);
		return -EIO;
	}
	return 0;
}

void guest_kernel_image(const struct run *r, char *buf, size_t n)
{
	const struct kernel_sel *k = r->ksel;

	if (r->kernel_image[0])		/* the one it booted (a Debian kernel's, once fetched) */
		snprintf(buf, n, "%s", r->kernel_image);
	else if (k)
		snprintf(buf, n, "%s", k->image);	/* "" for a Debian kernel not prepared yet */
	else
		snprintf(buf, n, "%s/build/%s%s/kernel/%s", hpt_top(), r->arch->name,
			 r->opts && r->opts->debug_kernel ? "-debug" : "",
			 r->arch->kernel_image ? r->arch->kernel_image : "vmlinuz");
}

int guest_scenario_tools(const struct scenario *s)
{
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct devkind *k = s->lines[i].argc ? devkind_find(s->lines[i].argv[0]) : NULL;

		if (k && k->needs_tools)
			return 1;
	}
	return 0;
}

const char *guest_kernel_spec(const struct run *r)
{
	const char *env = getenv("HPT_KERNEL_SPEC");	/* a matrix job: what the matrix was asked */

	if (env && *env)
		return env;
	if (r->ksel)
		return r->ksel->spec;
	return r->opts && r->opts->debug_kernel ? "debug-kernel" : "debian:bookworm";
}

int guest_prepare(const struct run *r, char *kernel, char *initrd, size_t n, char *err,
		  size_t errlen)
{
	const struct kernel_sel *k = r->ksel;
	int tools = 0;

	/* kinds that need ndctl/daxctl in the guest: the initramfs-tools image (Makefile) */
	for (int i = 0; i < r->n_devs; i++)
		if (r->devs[i].kind && r->devs[i].kind->needs_tools)
			tools = 1;

	if (k && !k->debian && r->opts->initrd) {
		snprintf(kernel, n, "%s", k->image);
		snprintf(initrd, n, "%s", r->opts->initrd);
	} else if (k && !k->debian) {
		/* a kernel the user brought: its initramfs, from its modules, in the run dir */
		struct prepared_kernel p;
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s/kernel", r->dir);
		if (kernel_prepare_own(k, r->arch, tools, dir, &p, err, errlen) < 0)
			return -EIO;
		snprintf(kernel, n, "%s", p.image);
		snprintf(initrd, n, "%s", tools ? p.initrd_tools : p.initrd);
	} else if (k) {
		/* a Debian kernel asked for by spec: fetched, probe, initramfs (kernels/guest.sh) */
		struct prepared_kernel p;

		if (kernel_prepare_debian(k, r->arch, !tools, tools, &p, err, errlen) < 0)
			return -EIO;
		snprintf(kernel, n, "%s", p.image);
		snprintf(initrd, n, "%s", r->opts->initrd ? r->opts->initrd :
			 tools ? p.initrd_tools : p.initrd);
	} else {
		if (prepare_ours(r, tools, kernel, initrd, n, err, errlen) < 0)
			return -EIO;
		if (r->opts->initrd)
			snprintf(initrd, n, "%s", r->opts->initrd);
	}
	if (!file_ok(kernel) || !file_ok(initrd)) {
		snprintf(err, errlen, "missing guest kernel or initramfs: %s, %s", kernel, initrd);
		return -ENOENT;
	}
	return 0;
}

/* Whether libvirt runs QEMU on this machine: the embedded driver, or a URI naming no
 * host (qemu:///system, qemu+unix:///…) or localhost. */
static int same_host(const struct run *r)
{
	char *uri, *host, *end;
	int local = 1;

	if (!r->virt || r->virt->embedded || !r->virt->conn)
		return 1;
	uri = virConnectGetURI(r->virt->conn);
	if (!uri)
		return 0;
	host = strstr(uri, "://");
	if (host) {
		host += 3;
		if ((end = strchr(host, '@')) && end < host + strcspn(host, "/"))
			host = end + 1;
		end = host + strcspn(host, ":/?");
		local = end == host || (end - host == 9 && !strncmp(host, "localhost", 9));
	}
	free(uri);
	return local;
}

/* cmdline has the kernel parameter `name` (a word of its own, "name" or "name=…") */
static int has_param(const char *cmdline, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = cmdline; (p = strstr(p, name)); p += n)
		if ((p == cmdline || p[-1] == ' ') && (!p[n] || p[n] == ' ' || p[n] == '='))
			return 1;
	return 0;
}

/* The guest boots on its first CPU and gets the others from the host once its agent said
 * hello (arch.h tcg_cpus_late): under TCG, 2 or more vCPUs, and no command line of the
 * scenario's or the image's that limits the CPUs itself (it is left as it asks). */
static int cpus_late(const struct run *r, const char *type)
{
	static const char *const limits[] = { "maxcpus", "nr_cpus", "nosmp" };

	if (!r->arch->tcg_cpus_late || strcmp(type, "qemu") || r->boot.cpus < 2)
		return 0;
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (has_param(r->boot.cmdline, limits[i]) ||
		    (r->image_disk[0] && has_param(r->image_cmdline, limits[i])))
			return 0;
	return 1;
}

/* After the hello (cpus_late): CPUs 1 and up online, in order. 0, or -EIO with err. */
static int cpus_online_late(struct run *r, char *err, size_t errlen)
{
	char why[300];

	for (uint64_t c = 1; c < r->boot.cpus; c++) {
		if (agent_cpu_set(r, c, 1, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "vm %s: cpu%llu online after boot (maxcpus=1 at boot "
				 "under TCG): %s", r->vm_name, (unsigned long long)c, why);
			return -EIO;
		}
	}
	hpt_verbose("vm %s: cpus 1-%llu online after boot (maxcpus=1 under TCG)", r->vm_name,
		    (unsigned long long)r->boot.cpus - 1);
	return 0;
}

void guest_domain_xml(struct strbuf *sb, const struct run *r, const char *type,
		      const char *kernel, const char *initrd, const char *sock)
{
	const struct arch *a = r->arch;
	const struct boot_cfg *b = &r->boot;
	unsigned long long mem = b->memory >> 10, max = b->maxmem >> 10;
	char console[PATH_MAX];
	int remote = r->virt && !r->virt->embedded;

	snprintf(console, sizeof(console), "%s/console.log", r->dir);
	/* without NUMA cells libvirt takes <memory> as the total, memory devices included
	 * (with cells it is their sum, and the devices come on top) */
	if (a->no_numa)
		for (int i = 0; i < r->n_devs; i++)
			if (r->devs[i].kind && r->devs[i].kind->boot_xml)
				mem += r->devs[i].size >> 10;
	sb_addf(sb, "<domain type='%s'>\n<name>%s</name>\n", type, r->vm_name);
	if (r->restore.uuid[0])	/* a guest to save: its uuid comes from the key (restore.c) */
		sb_addf(sb, "<uuid>%s</uuid>\n", r->restore.uuid);
	sb_addf(sb, "<memory unit='KiB'>%llu</memory>\n", mem);
	if (b->slots)
		sb_addf(sb, "<maxMemory slots='%llu' unit='KiB'>%llu</maxMemory>\n",
			(unsigned long long)b->slots, max);
	sb_addf(sb, "<vcpu>%llu</vcpu>\n", (unsigned long long)b->cpus);
	sb_addf(sb, "<os><type arch='%s' machine='%s'>hvm</type>\n", a->virt_arch, a->machine);
	if (a->firmware && !access(a->firmware, R_OK))
		sb_addf(sb, "<loader type='rom'>%s</loader>\n", a->firmware);
	sb_adds(sb, "<kernel>");
	xml_esc(sb, kernel, 1, 0);
	sb_adds(sb, "</kernel><initrd>");
	xml_esc(sb, initrd, 1, 0);
	sb_adds(sb, "</initrd>\n<cmdline>");
	xml_esc(sb, a->base_cmdline, 1, 0);
	if (a->host_cmdline)	/* digits and '=' only: nothing to escape */
		a->host_cmdline(sb, !strcmp(type, "qemu"), same_host(r));
	/* TCG on a busy host starves the vCPU thread while the guest's clock runs on: the
	 * default 20 s soft-lockup and 21 s RCU-stall limits then measure the host, not the
	 * kernel (seen at load 20: "BUG: soft lockup" in correct runs). Six times longer
	 * keeps both detectors on; a kernel that really stops answering is caught sooner
	 * anyway, by the agent's missing heartbeat (15 s, fault.c). */
	if (!strcmp(type, "qemu"))
		sb_adds(sb, " watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=120");
	if (cpus_late(r, type))
		sb_adds(sb, " maxcpus=1");	/* the others after the hello (arch.h) */
	if (r->opts->debug_kernel)
		sb_adds(sb, " page_owner=on");	/* PAGE_OWNER is off unless asked at boot */
	if (r->image_disk[0]) {	/* run --image: its root file system */
		sb_adds(sb, " ");
		xml_esc(sb, r->image_cmdline, 1, 0);
	}
	if (b->cmdline[0]) {
		sb_adds(sb, " ");
		xml_esc(sb, b->cmdline, 1, 0);
	}
	sb_adds(sb, "</cmdline></os>\n");
	a->features_xml(sb, r);
	if (!a->no_numa) {
		unsigned long long nodes = b->nodes > 1 ? b->nodes : 1, each = mem / nodes;

		/* every CPU on node 0; the other nodes have memory only */
		sb_addf(sb, "<cpu><numa><cell id='0' cpus='0-%llu' memory='%llu' unit='KiB'/>",
			(unsigned long long)b->cpus - 1, mem - each * (nodes - 1));
		for (unsigned long long n = 1; n < nodes; n++)
			sb_addf(sb, "<cell id='%llu' memory='%llu' unit='KiB'/>", n, each);
		sb_adds(sb, "</numa></cpu>\n");
	}
	sb_adds(sb, "<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot>"
		    "<on_crash>destroy</on_crash>\n<devices>\n");
	sb_addf(sb, "<emulator>%s</emulator>\n", a->emulator);
	/* on a remote host: a pty and a socket of its own, streamed here (remote.h) */
	a->console_xml(sb, remote ? NULL : console);
	if (a->panic_model)
		sb_addf(sb, "<panic model='%s'/>\n", a->panic_model);
	sb_adds(sb, "<channel type='unix'><source mode='bind'");
	if (!remote) {
		sb_adds(sb, " path='");
		xml_esc(sb, sock, 1, 0);
		sb_adds(sb, "'");
	}
	sb_addf(sb, "/><target type='virtio' name='%s'/></channel>\n", HPT_CHANNEL_NAME);
	if (r->image_disk[0]) {	/* run --image: the overlay in the run dir */
		sb_adds(sb, "<disk type='file' device='disk'><driver name='qemu' type='qcow2' "
			    "cache='unsafe'/><source file='");
		xml_esc(sb, r->image_disk, 1, 0);
		sb_adds(sb, "'/><target dev='vda' bus='virtio'/></disk>\n");
	}
	if (b->disk) {
		sb_adds(sb, "<disk type='file' device='disk'><driver name='qemu' type='raw' "
			    "cache='unsafe'/><source file='");
		xml_esc(sb, r->dir, 1, 0);
		sb_addf(sb, "/scratch.img'/><target dev='%s' bus='virtio'/>"
			    "<serial>hpt-scratch</serial></disk>\n", r->image_disk[0] ? "vdb" : "vda");
	}
	for (int i = 0; i < r->n_devs; i++)	/* devices declared before boot */
		if (r->devs[i].kind && r->devs[i].kind->boot_xml)
			r->devs[i].kind->boot_xml(sb, r, &r->devs[i]);
	/* no USB controller: libvirt's default (PIIX3 UHCI on x86_64) cost a boot ~1 s */
	sb_adds(sb, "<controller type='usb' model='none'/>");
	sb_adds(sb, "<memballoon model='none'/>\n</devices>\n</domain>\n");
}

/* Parses the agent's info reply into r->guest. */
static int parse_info(struct run *r, const char *text, char *err, size_t errlen)
{
	struct guest_info *g = &r->guest;
	char val[1024];

	memset(g, 0, sizeof(*g));
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n'), *eq = strchr(p, '=');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (eq && eq < p + len) {
			size_t k = (size_t)(eq - p), vl = len - k - 1;

			snprintf(val, sizeof(val), "%.*s", (int)vl, eq + 1);
			if (k == 6 && !strncmp(p, "kernel", k))
				snprintf(g->kernel, sizeof(g->kernel), "%s", val);
			else if (k == 5 && !strncmp(p, "block", k))
				parse_u64(val, 1, UINT64_MAX, &g->block_size);
			else if (k == 4 && !strncmp(p, "page", k))
				parse_u64(val, 1, 1 << 20, &g->page_size);
			else if (k == 16 && !strncmp(p, "memmap_on_memory", k))
				snprintf(g->memmap_on_memory, sizeof(g->memmap_on_memory), "%s", val);
			else if (k == 7 && !strncmp(p, "cmdline", k))
				snprintf(g->cmdline, sizeof(g->cmdline), "%s", val);
			else if (k == 5 && !strncmp(p, "agent", k))	/* image guests */
				g->service = !strcmp(val, "service");
			else if (k == 18 && !strncmp(p, "auto_online_blocks", k))
				snprintf(g->auto_online, sizeof(g->auto_online), "%s", val);
			else if (k == 11 && !strncmp(p, "udev_online", k))
				snprintf(g->udev_online, sizeof(g->udev_online), "%s", val);
			else if (k == 4 && !strncmp(p, "crng", k))
				g->crng_not_ready = !strcmp(val, "not-ready");
		}
		p = nl ? nl + 1 : NULL;
	}
	/* a service leaves the system's policy in force (an initramfs agent sets offline) */
	g->self_online = g->service && (g->udev_online[0] || (strcmp(g->auto_online, "offline") &&
				       strcmp(g->auto_online, "absent") && g->auto_online[0]));
	if (!g->kernel[0] || !g->block_size || !g->page_size) {
		snprintf(err, errlen, "agent info lacks kernel/block/page: %.200s", text);
		return -EPROTO;
	}
	if (sscanf(g->kernel, "%d.%d", &g->major, &g->minor) != 2) {
		snprintf(err, errlen, "cannot read a version from kernel release %s", g->kernel);
		return -EPROTO;
	}
	return 0;
}

/* A guest whose clock already runs fast at its hello (a TSC miscalibrated at boot) would
 * fire its own deadlines early and fail correct kernels: an ERROR now, no false FAIL. A
 * restored guest's uptime includes its life before the save: its hello only starts the
 * span the end of the run is judged over. */
static int guest_clock_at_hello(struct run *r, int restored, char *err, size_t errlen)
{
	char msg[320];
	int rc;

	if (restored)
		memset(&r->gclock, 0, sizeof(r->gclock));	/* start 0: no boot to compare */
	rc = gclock_read(r, &r->gclock.hello, msg, sizeof(msg));
	if (rc < 0) {
		snprintf(err, errlen, "vm %s: guest clock: %s", r->vm_name, msg);
		return rc;
	}
	r->gclock.have_hello = 1;
	if (gclock_judge(&r->gclock, 2, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "vm %s: guest clock: %s (a miscalibrated clock; "
			 "console.log has the kernel's own view)", r->vm_name, msg);
		return -ETIME;
	}
	return 0;
}

int guest_scratch_disk(struct run *r, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	if (!r->boot.disk)
		return 0;
	/* sparse, removed in guest_stop() */
	snprintf(path, sizeof(path), "%s/scratch.img", r->dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)r->boot.disk) < 0) {
		snprintf(err, errlen, "vm %s: scratch disk %s: %s", r->vm_name, path,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* A guest whose kernel has no entropy at its hello (x86_64 under TCG, measured) gets 32
 * bytes of the host's, as a boot loader's seed (agent verb `seed`). Otherwise the first program to block in getrandom() waits
 * for the kernel's timer jitter loop: ndctl's first create-namespace took 5.3-5.4 s for
 * it in every NVDIMM job. A seeded guest that is saved stays seeded when restored. */
static int guest_seed_crng(struct run *r, char *err, size_t errlen)
{
	unsigned char b[32];
	char verb[8 + 2 * sizeof(b)] = "seed ";
	int rc;

	if (!r->guest.crng_not_ready)
		return 0;
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		snprintf(err, errlen, "vm %s: getrandom for the guest's seed: %s", r->vm_name,
			 strerror(errno));
		return -EIO;
	}
	hex_encode(b, sizeof(b), verb + 5);
	rc = agent_simple(r, run_timeout(r, 10000), verb, err, errlen);
	if (rc == 0) {
		r->guest.crng_not_ready = 0;
		hpt_verbose("vm %s: the guest's CRNG seeded from the host", r->vm_name);
	}
	return rc;
}

int guest_attach(struct run *r, const char *sock, int ask_hello, char *err, size_t errlen)
{
	struct strbuf reply = STRBUF_INIT;
	char path[PATH_MAX];
	uint64_t t = now_ms();
	int rc, log_fd;

	snprintf(path, sizeof(path), "%s/agent.log", r->dir);
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	chan_init(&r->chan);
	r->chan.log_fd = log_fd;	/* guest_stop() closes it, connected or not */
	rc = chan_connect(&r->chan, sock, hpt_stop_fd, log_fd);
	if (rc < 0)
		goto chan_err;
	snprintf(path, sizeof(path), "%s/console.log", r->dir);
	if (chan_watch_console(&r->chan, path, r->opts->console_max ? r->opts->console_max : CHAN_CONSOLE_MAX))
		hpt_verbose("vm %s: cannot watch %s: %s", r->vm_name, path, strerror(errno));
	if (ask_hello && (rc = chan_ask_hello(&r->chan)) < 0)
		goto chan_err;
	/* an image boots its distro's initrd and systemd, and its agent says hello only once
	 * systemd has finished starting the system (guest/service.c): 5x the time (measured at
	 * load ~15 under TCG: 370-450 s to the hello, 135-180 s of it the system finishing) */
	rc = chan_wait_hello(&r->chan, now_ms() + r->boot.timeout_ms * (r->image_disk[0] ? 5 : 1));
	if (rc < 0)
		goto chan_err;
	r->booted = 1;
	hpt_verbose("vm %s: agent hello %llu ms after connecting", r->vm_name,
		    (unsigned long long)(now_ms() - t));
	rc = chan_call(&r->chan, run_timeout(r, 10000), &reply, "info");
	if (rc != 0) {
		snprintf(err, errlen, "vm %s: agent info: %s", r->vm_name,
			 rc == 1 ? sb_str(&reply) : r->chan.err);
		rc = -EIO;
		goto cleanup;
	}
	rc = parse_info(r, sb_str(&reply), err, errlen);
	if (rc == 0)
		rc = guest_seed_crng(r, err, errlen);
	if (rc == 0)	/* restored: asked for a new hello (restore.c) */
		rc = guest_clock_at_hello(r, ask_hello, err, errlen);
	goto cleanup;
chan_err:
	snprintf(err, errlen, "vm %s: %s", r->vm_name, r->chan.err);
cleanup:
	sb_release(&reply);
	return rc;
}

int guest_boot(struct run *r, char *err, size_t errlen)
{
	struct strbuf xml = STRBUF_INIT;
	char kernel[PATH_MAX], initrd[PATH_MAX], sock[128], path[PATH_MAX];
	virDomainPtr dom = NULL;
	int rc;

	uint64_t t0 = now_ms(), t1, t2;

	if (r->opts->image && r->virt && !r->virt->embedded) {
		/* the overlay and the image's kernel are files here; remote.c streams only ours */
		snprintf(err, errlen, "--image %s: image guests run on the embedded driver only, "
			 "not through --connect", r->opts->image);
		return -EINVAL;
	}
	rc = r->opts->image ? image_prepare(r, kernel, initrd, sizeof(kernel), err, errlen) :
			      guest_prepare(r, kernel, initrd, sizeof(kernel), err, errlen);
	if (rc < 0)
		return rc;
	kernel_package_of(kernel, r->kernel_package, sizeof(r->kernel_package));
	snprintf(r->kernel_image, sizeof(r->kernel_image), "%s", kernel);
	/* the modules this scenario needs are in the kernel; an optional one's absence is
	 * said once (results.json "notes") */
	{
		char status[PATH_MAX + 16], notes[sizeof(r->notes)] = "";

		snprintf(status, sizeof(status), "%s.modules", initrd);
		if (modneeds_check_file(r->scn, status, notes, sizeof(notes), err, errlen) < 0)
			return -ENOENT;
		if (notes[0] && !r->notes[0]) {
			snprintf(r->notes, sizeof(r->notes), "%s", notes);
			hpt_log("vm %s: %s", r->vm_name, notes);
		}
	}
	t1 = now_ms();
	if (!r->accel_used)	/* chosen before the boot (accel_choose()) */
		r->accel_used = "tcg";
	rc = restore_start(r, kernel, initrd, err, errlen);	/* a saved guest, if any */
	if (rc <= 0)
		return rc;
again:
	virt_sock_path(r->virt, r->vm_name, sock, sizeof(sock));
	unlink(sock);
	rc = guest_scratch_disk(r, err, errlen);
	if (rc < 0)
		return rc;
	sb_reset(&xml);
	guest_domain_xml(&xml, r, !strcmp(r->accel_used, "kvm") ? "kvm" : "qemu", kernel,
			 initrd, sock);
	if (!r->virt->embedded) {	/* what the XML names here goes there (remote.h) */
		rc = remote_domain(r, &xml, kernel, initrd, err, errlen);
		if (rc < 0)
			goto cleanup;
	}
	snprintf(path, sizeof(path), "%s/domain.xml", r->dir);
	{
		FILE *f = fopen(path, "w");

		if (f) {
			fputs(sb_str(&xml), f);
			fclose(f);
		}
	}
	memset(&r->gclock, 0, sizeof(r->gclock));
	r->gclock.start = now_ms();
	rc = virt_create(r->virt, sb_str(&xml), &dom);
	if (rc < 0) {
		snprintf(err, errlen, "vm %s: start: %s", r->vm_name, r->virt->err);
		goto cleanup;
	}
	r->dom = dom;
	if (!r->virt->embedded) {
		rc = remote_attach(r, dom, sock, err, errlen);
		if (rc < 0)
			goto cleanup;
	}
	t2 = now_ms();
	hpt_verbose("vm %s: prepare %llu ms, domain start %llu ms", r->vm_name,
		    (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1));
	rc = guest_attach(r, sock, 0, err, errlen);
	if (rc == 0 && cpus_late(r, !strcmp(r->accel_used, "kvm") ? "kvm" : "qemu"))
		rc = cpus_online_late(r, err, errlen);
	if (rc == 0 && r->restore.save) {
		rc = restore_save(r, kernel, initrd, err, errlen);
		if (rc > 0)
			goto again;	/* the guest is gone: boot once more */
	}
cleanup:
	sb_release(&xml);
	return rc;
}

void guest_stop(struct run *r)
{
	struct strbuf reply = STRBUF_INIT;
	char src[PATH_MAX], dst[PATH_MAX];

	if (r->chan.log_fd >= 0)
		close(r->chan.log_fd);
	r->chan.log_fd = -1;
	chan_close(&r->chan);
	if (r->dom) {
		uint64_t t = now_ms();

		virt_destroy(r->virt, r->dom);
		if (r->boot.disk) {
			snprintf(src, sizeof(src), "%s/scratch.img", r->dir);
			unlink(src);
		}
		hpt_verbose("vm %s: destroyed in %llu ms", r->vm_name,
			    (unsigned long long)(now_ms() - t));
		r->dom = NULL;
	}
	if (r->virt && r->virt->embedded) {
		snprintf(src, sizeof(src), "%s/log/qemu/%s.log", r->virt->root, r->vm_name);
		snprintf(dst, sizeof(dst), "%s/qemu.log", r->dir);
		rename(src, dst);	/* same fs usually; best effort */
	} else if (r->virt && r->vm_name[0]) {
		virt_sock_path(r->virt, r->vm_name, src, sizeof(src));
		unlink(src);	/* ours in /tmp; an embedded root goes as a whole */
		remote_detach(r);
	}
	r->booted = 0;
	sb_release(&reply);
}
