/* `hotplug-test run [options] FILE…`: runs scenarios on real guests. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "arch.h"
#include "chan.h"
#include "cmd.h"
#include "guest.h"
#include "kernels.h"
#include <sys/stat.h>
#include "opts.h"
#include "report.h"
#include "runner.h"
#include "validate.h"
#include "virt.h"

struct run_cli {
	struct job_cli job;	/* what run and matrix share (cli_job.c) */
	const char *arch, *out;
	int verbose;
};

static const struct opt run_opts_tab[] = {
	{ "arch", OPT_STR, offsetof(struct run_cli, arch), 0, 0, 0, NULL,
	  "comma-separated arches (default: this host's, if the scenario allows it)" },
	{ "out", OPT_STR, offsetof(struct run_cli, out), 0, 0, 0, NULL,
	  "run dir (one run) or parent dir (several); default runs/<time>-<scenario>-<arch>" },
	{ "", OPT_TABLE, offsetof(struct run_cli, job), .sub = job_opts },
	{ "verbose", OPT_FLAG, offsetof(struct run_cli, verbose), 0, 0, 0, NULL,
	  "log each step (-v)" },
	{ 0 }
};

static void run_usage(FILE *f)
{
	fprintf(f, "usage: hotplug-test run [options] SCENARIO.scn…\n\noptions:\n");
	opts_usage(f, run_opts_tab, 1);
	fprintf(f, "\nexit status: 0 pass, 1 fail, 2 error, 4 skip (the worst of all runs; with "
		   "--strict a SKIP is 1)\n");
}

/* Paths, URI and counts, before anything starts (validate.h). */
static int check_values(const struct run_cli *c, int n_scn, char *err, size_t n)
{
	if (n_scn > HPT_SCENARIOS_MAX) {
		snprintf(err, n, "%d scenario files: at most %d at a time", n_scn, HPT_SCENARIOS_MAX);
		return -E2BIG;
	}
	if ((c->out && validate_out("--out", c->out, err, n) < 0) ||
	    job_cli_check(&c->job, err, n) < 0)
		return -EINVAL;
	return 0;
}

/* The worst verdict decides the exit code: FAIL > ERROR > SKIP > PASS. */
static int worse(int a, int b)
{
	static const int rank[] = { [0] = 0, [4] = 1, [2] = 2, [1] = 3 };

	return rank[a] >= rank[b] ? a : b;
}

static int run_cmd(int argc, char **argv)
{
	struct run_cli cli = { 0 };
	struct run_opts o = { 0 };
	const struct arch *list[8];
	struct kernel_list kernels = { 0 };
	struct scenario *scns = NULL;
	struct virt *v = NULL;
	struct run *runs = NULL;
	char err[1024], initrd_abs[PATH_MAX], image_abs[PATH_MAX];
	int first, n_scn, n_arch = 0, n_runs = 0, code = 0, rc;

	first = job_cli_parse("run", run_opts_tab, &cli, argc, argv, run_usage, &rc);
	if (first < 0)
		return rc;
	if (stack_enter(&cli.job, "run", argc, argv) < 0)
		return 2;
	n_scn = argc - first;
	hpt_verbosity = cli.verbose;
	if (check_values(&cli, n_scn, err, sizeof(err)) < 0) {
		fprintf(stderr, "hotplug-test run: %s\n", err);
		return 2;
	}
	if (cli.arch) {
		n_arch = job_cli_arches("run", cli.arch, list, 8);
		if (n_arch <= 0)
			return 2;
	}
	{
		/* a kernel image without ARCH= is for the --arch, or this host's */
		const struct arch *host = arch_find(arch_host());
		const struct arch *const *for_arches = n_arch ? list : &host;

		if (kernels_parse(&kernels, cli.job.kernel, cli.job.modules, for_arches,
				  n_arch ? n_arch : !!host, err, sizeof(err)) < 0 ||
		    kernels_absolute(&kernels, err, sizeof(err)) < 0) {
			fprintf(stderr, "hotplug-test run: %s\n", err);
			return 2;
		}
	}
	scns = calloc((size_t)n_scn, sizeof(*scns));
	runs = calloc((size_t)n_scn * 8 * KERNELS_MAX, sizeof(*runs));
	v = calloc(1, sizeof(*v));
	if (!scns || !runs || !v) {
		code = 2;
		goto cleanup;
	}
	/* every file is read and checked before any guest boots */
	for (int i = 0; i < n_scn; i++) {
		if (scenario_load(&scns[i], argv[first + i], err, sizeof(err)) < 0 ||
		    runner_validate(&scns[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			code = 2;
			goto cleanup;
		}
	}
	o.out = cli.out;
	o.connect = cli.job.connect;
	o.accel = accel_names[cli.job.accel];
	o.kernels = &kernels;
	/* QEMU does not run in our directory: hand it absolute paths */
	o.initrd = cli.job.initrd ? realpath(cli.job.initrd, initrd_abs) : NULL;
	if (cli.job.initrd && !o.initrd) {
		fprintf(stderr, "hotplug-test run: %s: %s\n", cli.job.initrd, strerror(errno));
		code = 2;
		goto cleanup;
	}
	/* --image FILE: absolute, as for --initrd (debian:SUITE is a name) */
	o.image = cli.job.image && strncmp(cli.job.image, "debian:", 7) ?
		  realpath(cli.job.image, image_abs) : cli.job.image;
	if (cli.job.image && !o.image) {
		fprintf(stderr, "hotplug-test run: %s: %s\n", cli.job.image, strerror(errno));
		code = 2;
		goto cleanup;
	}
	o.verbose = cli.verbose;
	o.debug_kernel = cli.job.debug_kernel;
	o.console_max = cli.job.console_max;
	o.no_restore = cli.job.no_restore;
	o.no_probe = cli.job.no_probe;
	o.strict = cli.job.strict;
	for (int i = 0; i < n_scn; i++) {
		const struct arch *mine[8];
		int n = n_arch;

		if (n) {
			memcpy(mine, list, sizeof(list));
		} else {
			const struct arch *h = arch_find(arch_host());

			n = 0;
			if (h && runner_wants_arch(&scns[i], h->name))
				mine[n++] = h;
			for (int k = 0; !n && arches[k]; k++)
				if (runner_wants_arch(&scns[i], arches[k]->name))
					mine[n++] = arches[k];
		}
		for (int k = 0; k < n; k++) {
			/* the kernel axis: every kernel of the arch, one run each */
			const struct kernel_sel *ks[KERNELS_MAX];
			int nk = kernels_of(&kernels, mine[k], ks, KERNELS_MAX);

			for (int x = 0; x < (nk ? nk : 1); x++) {
				runs[n_runs].scn = &scns[i];
				runs[n_runs].arch = mine[k];
				runs[n_runs].ksel = nk ? ks[x] : NULL;
				runs[n_runs].opts = &o;
				runs[n_runs].virt = v;
				n_runs++;
			}
		}
	}
	{
		char caps[4096];

		snprintf(caps, sizeof(caps), "%s/.cache", hpt_top());
		mkdir(caps, 0755);
		snprintf(caps, sizeof(caps), "%s/.cache/libvirt-caps", hpt_top());
		rc = virt_open(v, o.connect, caps);
	}
	if (rc < 0) {
		fprintf(stderr, "hotplug-test: libvirt: %s\n", v->err);
		code = 2;
		goto cleanup;
	}
	report_ktap.begin(stdout, n_runs);
	for (int i = 0; i < n_runs; i++) {
		struct run *r = &runs[i];
		const char *parent = o.out ? o.out : "runs";

		rc = runner_mkdir(r, n_runs == 1 ? o.out : NULL, parent);
		if (rc < 0) {
			fprintf(stderr, "hotplug-test: run dir %s: %s\n", r->dir,
				rc == -EEXIST ? "exists and is not empty (choose another --out)"
					      : strerror(-rc));
			code = worse(code, 2);
			break;
		}
		if (hpt_stop)
			result_add(&r->res, V_ERROR, "run", 0, NULL, "not started: interrupted");
		else
			runner_run(r);
		report_ktap.one(stdout, i + 1, r);
		code = worse(code, verdict_exit_code(result_overall(&r->res)));
		if (o.strict && result_count(&r->res, V_SKIP)) {
			printf("# strict: %zu SKIP check(s) in %s.%s%s%s count as a failure\n",
			       result_count(&r->res, V_SKIP), r->scn->name, r->arch->name,
			       r->ksel ? "." : "", r->ksel ? r->ksel->label : "");
			code = worse(code, 1);
		}
	}
	report_ktap.end(stdout);
cleanup:
	if (v)
		virt_close(v);
	for (int i = 0; runs && i < n_runs; i++)
		run_release(&runs[i]);
	for (int i = 0; scns && i < n_scn; i++)
		scenario_free(&scns[i]);
	free(scns);
	free(runs);
	free(v);
	return code;
}

const struct command cmd_run = { "run", run_cmd, "run scenarios on real guests" };
