/* --stack (cmd.h): which QEMU and libvirt run the guests. `bookworm` is the system's
 * (QEMU 7.2, libvirt 9.0 on Debian 12); `backports` is QEMU 10.0 + libvirt 11.3 from
 * bookworm-backports in a cached root of their own (kernels/stack-root.sh). libvirt's
 * embedded driver runs inside the controller, so another libvirt means another
 * controller: built against that libvirt inside the root, and this command line run
 * again by it there (HPT_STACK says it is inside), the paths it names bound in. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cmd.h"
#include "guest.h"
#include "kernels.h"

const char *const stack_names[] = { "bookworm", "backports", NULL };

#define STACK_DIRS 24

/* The directory a path-like token of the command line lives in (a file's, a directory
 * itself, a run dir to be made: its parent), or "" for other words. */
static void dir_of(const char *tok, size_t len, char *out, size_t n)
{
	char path[PATH_MAX], real[PATH_MAX];
	struct stat st;

	out[0] = 0;
	if (len >= sizeof(path) || !memchr(tok, '/', len))
		return;
	memcpy(path, tok, len);
	path[len] = 0;
	if (!realpath(path, real)) {
		char *slash = strrchr(path, '/');

		if (!slash)
			return;
		*slash = 0;
		if (!realpath(path[0] ? path : "/", real))
			return;
	} else if (stat(real, &st) == 0 && !S_ISDIR(st.st_mode)) {
		*strrchr(real, '/') = 0;
	}
	/* never the host's root or its kernel file systems over the stack's */
	if (!real[0] || !strcmp(real, "/") || !strncmp(real, "/proc", 5) ||
	    !strncmp(real, "/sys", 4) || !strncmp(real, "/dev", 4))
		return;
	snprintf(out, n, "%s", real);
}

int stack_enter(const struct job_cli *c, const char *verb, int argc, char **argv)
{
	const char *inside = getenv("HPT_STACK"), *top = hpt_top();
	char script[PATH_MAX], cache[PATH_MAX], cwd[PATH_MAX], bin[PATH_MAX];
	char dirs[STACK_DIRS][PATH_MAX];
	char *args[STACK_DIRS + 64 + 8];
	int n = 0, nd = 0;

	if (inside && *inside) {	/* this is the controller inside the stack's root */
		if (strcmp(inside, stack_names[c->stack])) {
			fprintf(stderr, "hotplug-test %s: --stack %s inside the %s stack's root "
				"(HPT_STACK=%s): run it outside\n", verb, stack_names[c->stack],
				inside, inside);
			return -1;
		}
		return 0;
	}
	if (c->stack == 0)
		return 0;
	if (argc > 64) {
		fprintf(stderr, "hotplug-test %s: --stack %s: more than 64 arguments\n", verb,
			stack_names[c->stack]);
		return -1;
	}
	snprintf(script, sizeof(script), "%s/kernels/stack-root.sh", top);
	snprintf(cache, sizeof(cache), "%s/.cache/stack-root", top);
	snprintf(bin, sizeof(bin), "%s/build/stack-backports/hotplug-test", top);
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "hotplug-test %s: getcwd: %s\n", verb, strerror(errno));
		return -1;
	}
	{
		char deps[PATH_MAX];
		char *inst[] = { deps, "stack", NULL };
		char *prep[] = { script, "prepare", cache, (char *)top, NULL };

		snprintf(deps, sizeof(deps), "%s/host/install-deps.sh", top);
		if (prep_tool(inst, NULL) < 0) {
			fprintf(stderr, "hotplug-test %s: --stack %s: installing mmdebstrap failed "
				"(%s stack)\n", verb, stack_names[c->stack], deps);
			return -1;
		}

		if (mkdir(cache, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "hotplug-test %s: %s: %s\n", verb, cache, strerror(errno));
			return -1;
		}
		if (prep_tool(prep, access(bin, X_OK) ? "preparing the backports host stack "
			      "(QEMU 10.0 and libvirt 11.3 from bookworm-backports in a root of "
			      "their own, the controller built there; minutes, once)" : NULL) < 0) {
			fprintf(stderr, "hotplug-test %s: --stack %s: preparing its root failed "
				"(%s prepare %s %s)\n", verb, stack_names[c->stack], script, cache,
				top);
			return -1;
		}
	}
	args[n++] = script;
	args[n++] = "run";
	args[n++] = cache;
	args[n++] = (char *)top;
	args[n++] = cwd;
	/* every path the command line names, so that it means the same inside */
	for (int i = 1; i < argc && nd < STACK_DIRS; i++)
		for (const char *p = argv[i]; *p && nd < STACK_DIRS;) {
			size_t len = strcspn(p, ",=");

			dir_of(p, len, dirs[nd], sizeof(dirs[nd]));
			if (dirs[nd][0])
				args[n++] = dirs[nd++];
			p += len;
			p += *p != 0;
		}
	args[n++] = "--";
	args[n++] = bin;
	for (int i = 0; i < argc; i++)	/* the verb, then the options and files */
		args[n++] = argv[i];
	args[n] = NULL;
	setenv("HPT_STACK", stack_names[c->stack], 1);
	setenv("HPT_TOP", top, 1);
	fflush(NULL);
	execv(script, args);
	fprintf(stderr, "hotplug-test %s: exec %s: %s\n", verb, script, strerror(errno));
	return -1;
}
