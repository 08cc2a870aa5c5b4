/* Accelerator choice: TCG unless a short KVM boot probe proves KVM boots a guest here
 * (nested KVM can hang at boot). The probe's answer is cached per host boot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "accel.h"
#include "arch.h"
#include "guest.h"
#include "virt.h"

#define KVM_PROBE_MS 6000	/* a KVM boot to hello takes ~1 s; TCG ~5 s */

static int read_boot_id(char *buf, size_t n)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	int ok = f && fgets(buf, (int)n, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok ? 0 : -EIO;
}

static int probe(struct run *r)
{
	struct strbuf xml = STRBUF_INIT;
	char kernel[PATH_MAX], initrd[PATH_MAX], sock[128], err[256], saved[64];
	virDomainPtr dom = NULL;
	struct chan c;
	int ok = 0;

	if (guest_prepare(r, kernel, initrd, sizeof(kernel), err, sizeof(err)) < 0)
		return 0;
	memcpy(saved, r->vm_name, sizeof(saved));
	snprintf(r->vm_name, sizeof(r->vm_name), "hpt-kvm-probe-%d", (int)getpid());
	virt_sock_path(r->virt, r->vm_name, sock, sizeof(sock));
	unlink(sock);
	guest_domain_xml(&xml, r, "kvm", kernel, initrd, sock);
	chan_init(&c);
	if (virt_create(r->virt, sb_str(&xml), &dom) == 0 &&
	    chan_connect(&c, sock, hpt_stop_fd, -1) == 0 &&
	    chan_wait_hello(&c, now_ms() + KVM_PROBE_MS) == 0)
		ok = 1;
	chan_close(&c);
	virt_destroy(r->virt, dom);
	unlink(sock);
	memcpy(r->vm_name, saved, sizeof(saved));
	sb_release(&xml);
	return ok;
}

/* 1 if this run should use KVM. */
static int kvm_usable(struct run *r)
{
	static int decided = -1;
	const char *accel = r->opts->accel ? r->opts->accel : "auto";
	char path[PATH_MAX], boot_id[64], line[128];
	FILE *f;

	if (!strcmp(accel, "tcg"))
		return 0;
	if (!strcmp(accel, "kvm"))
		return 1;
	if (strcmp(r->arch->name, arch_host()) || access("/dev/kvm", R_OK | W_OK))
		return 0;
	if (decided >= 0)
		return decided;
	snprintf(path, sizeof(path), "%s/.cache", hpt_top());
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.cache/kvm-probe", hpt_top());
	if (read_boot_id(boot_id, sizeof(boot_id)) == 0 && (f = fopen(path, "r"))) {
		char id[64], verdict[8];

		if (fgets(line, sizeof(line), f) &&
		    sscanf(line, "%63s %7s", id, verdict) == 2 && !strcmp(id, boot_id))
			decided = !strcmp(verdict, "yes");
		fclose(f);
		if (decided >= 0)
			return decided;
	}
	decided = probe(r);
	hpt_log("kvm probe: %s; using %s (cached in %s until the host reboots; --accel to force)",
		decided ? "a guest booted under KVM" : "no guest hello under KVM within 6 s",
		decided ? "kvm" : "tcg", path);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s %s\n", boot_id, decided ? "yes" : "no");
		fclose(f);
	}
	return decided;
}

const char *accel_choose(struct run *r)
{
	return kvm_usable(r) ? "kvm" : "tcg";
}
