/* `hotplug-test image build debian:SUITE [--arch A] [--bare]`: makes (or finds in the
 * cache) a bootable qcow2 of Debian SUITE (mmdebstrap, then libguestfs; image.h) and
 * prints its path. `run --image debian:SUITE` does the same implicitly. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "cmd.h"
#include "image.h"
#include "opts.h"

struct image_cli {
	const char *arch;
	int bare;
};

static const struct opt image_opts[] = {
	{ "arch", OPT_STR, offsetof(struct image_cli, arch), 0, 0, 0, NULL,
	  "the image's arch (x86_64, ppc64le, s390x)", .def = "x86_64" },
	{ "bare", OPT_FLAG, offsetof(struct image_cli, bare), 0, 0, 0, NULL,
	  "the plain Debian image, without the agent (as a distro would ship it)" },
	{ 0 }
};

static void usage(FILE *f)
{
	fprintf(f, "usage: hotplug-test image build debian:bookworm|trixie|sid [options]\n\n"
		"builds a bootable qcow2 from Debian's archive (systemd, udev, ndctl/daxctl, the "
		"suite's kernel; the agent as a systemd service and the placement probe when one "
		"is built for that kernel), cached under .cache/images/, and prints its path.\n\n"
		"options:\n");
	opts_usage(f, image_opts, 1);
}

static int cmd(int argc, char **argv)
{
	struct image_cli cli = { 0 };
	struct image_boot ib;
	const struct arch *a;
	const char *suite;
	char err[1024];
	uint64_t t0 = now_ms();
	int first;

	if (opts_defaults(image_opts, &cli, err, sizeof(err)) < 0)
		return 2;
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "build")) {
		fprintf(stderr, "hotplug-test image: want `image build debian:SUITE`\n");
		usage(stderr);
		return 2;
	}
	first = opts_cli(image_opts, &cli, argc - 2, argv + 2, err, sizeof(err));
	if (first == -EAGAIN) {
		usage(stdout);
		return 0;
	}
	if (first < 0 || first + 3 != argc) {
		/* `image build debian:SUITE --arch A`: the options come first */
		int late = first >= 0 && first + 3 < argc && argv[first + 3][0] == '-';

		fprintf(stderr, "hotplug-test image build: %s\n", first < 0 ? err : late ?
			"options go before the image's name: image build [options] debian:SUITE" :
			"name exactly one image, debian:SUITE");
		usage(stderr);
		return 2;
	}
	suite = image_debian_suite(argv[first + 2]);
	if (!suite) {
		fprintf(stderr, "hotplug-test image build: %s: want debian:bookworm, "
			"debian:trixie or debian:sid\n", argv[first + 2]);
		return 2;
	}
	a = arch_find(cli.arch);
	if (!a) {
		fprintf(stderr, "hotplug-test image build: --arch: unknown arch '%s'\n", cli.arch);
		return 2;
	}
	if (image_debian(suite, a, cli.bare, &ib, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test image build: %s\n", err);
		return 2;
	}
	fprintf(stderr, "hotplug-test: debian:%s %s image ready in %.1f s: kernel %s, %s\n",
		suite, a->name, (double)(now_ms() - t0) / 1000, ib.release, ib.probe);
	printf("%s\n", ib.disk);
	return 0;
}

const struct command cmd_image = { "image", cmd,
	"build a Debian image guest (debian:SUITE qcow2) for run --image" };
