/* The options `run` and `matrix` share (see cmd.h): one table, one check. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "validate.h"

const char *const accel_names[] = { "auto", "tcg", "kvm", NULL };

const struct opt job_opts[] = {
	{ "kernel", OPT_LIST, offsetof(struct job_cli, kernel),
	  sizeof(((struct job_cli *)0)->kernel), 0, 0, NULL,
	  "[ARCH=]IMAGE: boot your kernel on ARCH (repeatable; no ARCH= with one --arch); "
	  "default: Debian's current kernel for the arch" },
	{ "modules", OPT_LIST, offsetof(struct job_cli, modules),
	  sizeof(((struct job_cli *)0)->modules), 0, 0, NULL,
	  "[ARCH=]DIR: the modules of ARCH's --kernel (lib/modules/RELEASE or an "
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
	{ "console-max", OPT_SIZE, offsetof(struct job_cli, console_max), 0, 4096, 1ull << 40,
	  NULL, "console.log size that ends the run as a console flood", .def = "64M" },
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
