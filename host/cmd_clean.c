/* `hotplug-test clean`: destroys the guests and removes the libvirt roots that killed
 * runs left behind (run and matrix do this at start-up too; see stale.c). */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "virt.h"

static int clean_cmd(int argc, char **argv)
{
	int n;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: hotplug-test clean\n\nkills the QEMUs of killed runs and removes "
		       "their libvirt roots (/tmp/hpt.XXXXXX no live process owns)\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "hotplug-test clean: takes no arguments\n");
		return 2;
	}
	n = stale_clean();
	printf("%d stale root%s removed\n", n, n == 1 ? "" : "s");
	return 0;
}

const struct command cmd_clean = { "clean", clean_cmd,
	"destroy guests and libvirt roots left by killed runs" };
