/* The options `run` and `matrix` share (see cmd.h): one table, one check, one prologue
 * that parses them, one reader of --arch. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "cmd.h"
#include "validate.h"

const char *const accel_names[] = { "auto", "tcg", "kvm", NULL };

const struct opt job_opts[] = {
	{ "kernel", OPT_LIST, offsetof(struct job_cli, kernel),
	  sizeof(((struct job_cli *)0)->kernel), 0, 0, NULL,
	  "[ARCH=]SPEC: what the guests boot (repeatable): debian:SUITE (bookworm, trixie, "
	  "sid…: its newest kernel), debian:VERSION (that package), either with -64k, or "
	  "the PATH of your image; without ARCH= debian: values are the kernel axis (every "
	  "arch runs each), with ARCH= for that arch only (a PATH without it needs one "
	  "--arch); default: debian:bookworm" },
	{ "modules", OPT_LIST, offsetof(struct job_cli, modules),
	  sizeof(((struct job_cli *)0)->modules), 0, 0, NULL,
	  "[ARCH=]DIR: the modules of ARCH's --kernel PATH (lib/modules/RELEASE or an "
	  "INSTALL_MOD_PATH root); none: the agent's modules must be built in" },
	{ "initrd", OPT_STR, offsetof(struct job_cli, initrd), 0, 0, 0, NULL,
	  "guest initramfs instead of the built one (must run hp-agent as /init)" },
	{ "image", OPT_STR, offsetof(struct job_cli, image), 0, 0, 0, NULL,
	  "boot a distro image instead of our initramfs: debian:bookworm|trixie|sid (built "
	  "from the archive, cached) or FILE.qcow2 (yours: inspected, the agent injected into "
	  "an overlay; the file is never written). doc/images.md" },
	{ "connect", OPT_STR, offsetof(struct job_cli, connect), 0, 0, 0, NULL,
	  "libvirt URI (default: the embedded driver, no daemon)" },
	{ "accel", OPT_ENUM, offsetof(struct job_cli, accel), 0, 0, 0, accel_names,
	  "auto = TCG unless a short KVM boot probe succeeds", .def = "auto" },
	{ "debug-kernel", OPT_FLAG, offsetof(struct job_cli, debug_kernel), 0, 0, 0, NULL,
	  "boot the debug kernel (kmemleak, page_owner, DEBUG_VM; `make debug-kernel ARCH=…`, "
	  "11–45 min per arch the first time)" },
	{ "no-restore", OPT_FLAG, offsetof(struct job_cli, no_restore), 0, 0, 0, NULL,
	  "always boot the guest; by default a guest saved at its agent's hello by an earlier "
	  "run that booted the same way is restored (.cache/saved/)" },
	{ "console-max", OPT_SIZE, offsetof(struct job_cli, console_max), 0, 4096, 1ull << 40,
	  NULL, "console.log size that ends the run as a console flood", .def = "64M" },
	{ "no-probe", OPT_FLAG, offsetof(struct job_cli, no_probe), 0, 0, 0, NULL,
	  "accept memmap placement inferred from accounting (kernels without the probe "
	  "module); the memmap frames go unchecked (SKIP)" },
	{ "stack", OPT_ENUM, offsetof(struct job_cli, stack), 0, 0, 0, stack_names,
	  "the host's QEMU and libvirt: bookworm = the system's (QEMU 7.2, libvirt 9.0); "
	  "backports = QEMU 10.0 + libvirt 11.3 from bookworm-backports, in a cached root "
	  "of their own where this command runs again (s390x virtio-mem, dynamic memslots; "
	  "no --image there). doc/arches.md", .def = "bookworm" },
	{ "strict", OPT_FLAG, offsetof(struct job_cli, strict), 0, 0, 0, NULL,
	  "any SKIP check fails (exit 1): a SKIP means lost coverage" },
	{ 0 }
};

int job_cli_check(const struct job_cli *c, char *err, size_t n)
{
	if ((c->connect && validate_uri("--connect", c->connect, err, n) < 0) ||
	    (c->initrd && validate_input_file("--initrd", c->initrd, err, n) < 0) ||
	    (c->image && strncmp(c->image, "debian:", 7) &&
	     validate_input_file("--image", c->image, err, n) < 0))
		return -EINVAL;
	return 0;
}

int job_cli_parse(const char *verb, const struct opt *tab, void *cli, int argc, char **argv,
		  void (*usage)(FILE *f), int *code)
{
	char err[1024];
	int first;

	*code = 2;
	if (opts_defaults(tab, cli, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test %s: %s\n", verb, err);
		return -1;
	}
	first = opts_cli(tab, cli, argc - 1, argv + 1, err, sizeof(err));
	if (first == -EAGAIN) {
		usage(stdout);
		*code = 0;
		return -1;
	}
	if (first < 0) {
		fprintf(stderr, "hotplug-test %s: %s\n", verb, err);
		usage(stderr);
		return -1;
	}
	if (first + 1 >= argc) {
		fprintf(stderr, "hotplug-test %s: name at least one scenario file\n", verb);
		usage(stderr);
		return -1;
	}
	return first + 1;
}

int job_cli_arches(const char *verb, const char *list, const struct arch **out, int max)
{
	char buf[128], *save, *tok;
	int n = 0;

	if (strlen(list) >= sizeof(buf)) {
		fprintf(stderr, "hotplug-test %s: --arch: list longer than %zu bytes\n", verb,
			sizeof(buf) - 1);
		return -EINVAL;
	}
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		const struct arch *a = arch_find(tok);

		if (!a) {
			fprintf(stderr, "hotplug-test %s: --arch: unknown arch '%s'\n", verb, tok);
			return -EINVAL;
		}
		for (int i = 0; i < n; i++)
			if (out[i] == a) {
				fprintf(stderr, "hotplug-test %s: --arch: %s named twice\n", verb, tok);
				return -EINVAL;
			}
		if (n == max) {
			fprintf(stderr, "hotplug-test %s: --arch: more than %d arches\n", verb, max);
			return -EINVAL;
		}
		out[n++] = a;
	}
	return n;
}
