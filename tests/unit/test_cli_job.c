/* Unit tests for the options run and matrix share (host/cli_job.c, host/opts.c's shared
 * tables, defaults and argv rendering) and --kernel/--modules parsing (host/kernels.c). */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "arch.h"
#include "cmd.h"
#include "kernels.h"
#include "tap.h"

/* A verb's options: its own and the shared table, as cmd_run.c and cmd_matrix.c have. */
struct verb_cli {
	const char *arch;
	struct job_cli job;
	int verbose;
};

static const struct opt verb_opts[] = {
	{ "arch", OPT_STR, offsetof(struct verb_cli, arch), 0, 0, 0, NULL, "arches" },
	{ "", OPT_TABLE, offsetof(struct verb_cli, job), .sub = job_opts },
	{ "verbose", OPT_FLAG, offsetof(struct verb_cli, verbose), 0, 0, 0, NULL, "-v" },
	{ 0 }
};

static int parse(struct verb_cli *c, int argc, char **argv, char *err, size_t n)
{
	memset(c, 0, sizeof(*c));
	if (opts_defaults(verb_opts, c, err, n) < 0)
		return -1;
	return opts_cli(verb_opts, c, argc, argv, err, n);
}

static void shared_table(void)
{
	char *argv[] = { "--arch=x86_64", "--kernel", "/k1", "--kernel=ppc64le=/k2",
			 "--console-max=1M", "--accel", "tcg", "-v", "--debug-kernel", "a.scn" };
	char err[256], words[4096], *out[16];
	struct verb_cli c;
	int first, n;

	first = parse(&c, 10, argv, err, sizeof(err));
	ok(first == 9, "the shared options parse into the verb's struct, first positional 9 "
	   "(got %d: %s)", first, first < 0 ? err : "");
	ok(!strcmp(c.arch, "x86_64") && c.verbose == 1, "the verb's own options too");
	ok(!strcmp(c.job.kernel, "/k1,ppc64le=/k2"), "--kernel is repeatable (got %s)",
	   c.job.kernel);
	ok(c.job.console_max == 1 << 20 && c.job.accel == 1 && c.job.debug_kernel == 1,
	   "sizes, enums and flags of the shared table (%llu, %d, %d)",
	   (unsigned long long)c.job.console_max, c.job.accel, c.job.debug_kernel);

	parse(&c, 1, (char *[]){ "x.scn" }, err, sizeof(err));
	ok(c.job.console_max == 64 << 20 && c.job.accel == 0,
	   "defaults come from the table: console-max 64M, accel auto (got %llu, %d)",
	   (unsigned long long)c.job.console_max, c.job.accel);
	n = opts_argv(job_opts, &c.job, out, 16, words, sizeof(words));
	ok(n == 0, "defaults are not passed on to a job's run (got %d words)", n);

	parse(&c, 10, argv, err, sizeof(err));
	n = opts_argv(job_opts, &c.job, out, 16, words, sizeof(words));
	ok(n == 5 && !strcmp(out[0], "--kernel=/k1") && !strcmp(out[1], "--kernel=ppc64le=/k2") &&
	   !strcmp(out[2], "--accel=tcg") && !strcmp(out[3], "--debug-kernel=yes") &&
	   !strcmp(out[4], "--console-max=1048576"),
	   "what was given is written back as one word per value (%d: %s %s %s %s %s)", n,
	   n > 0 ? out[0] : "", n > 1 ? out[1] : "", n > 2 ? out[2] : "", n > 3 ? out[3] : "",
	   n > 4 ? out[4] : "");
	{
		struct verb_cli back;

		first = parse(&back, n, out, err, sizeof(err));
		ok(first == n && !strcmp(back.job.kernel, c.job.kernel) &&
		   back.job.console_max == c.job.console_max && back.job.accel == c.job.accel &&
		   back.job.debug_kernel == 1, "and they parse back to the same options");
	}
	ok(opts_argv(job_opts, &c.job, out, 2, words, sizeof(words)) == -E2BIG,
	   "too many words for argv: -E2BIG");
	ok(parse(&c, 1, (char *[]){ "--console-max=1" }, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "console-max=1"), "a bad value names the option (%s)", err);
	ok(parse(&c, 1, (char *[]){ "--nope" }, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "--nope"), "an unknown option is named (%s)", err);
}

static void kernel_lists(void)
{
	const struct arch *x86 = arch_find("x86_64"), *ppc = arch_find("ppc64le");
	const struct arch *one[] = { x86 }, *two[] = { x86, ppc };
	struct kernel_list kl;
	char err[256];

	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "/k", "", one, 1, err, sizeof(err)) == 0 && kl.n == 1 &&
	   kl.k[0].arch == x86 && !strcmp(kl.k[0].image, "/k"),
	   "an image without ARCH= is the only arch's");
	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "/k", "", two, 2, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "say which arch"), "with two arches it must say which (%s)", err);
	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "ppc64le=/v,x86_64=/b", "ppc64le=/m", two, 2, err,
			 sizeof(err)) == 0 && kl.n == 2 && kernels_for(&kl, ppc) &&
	   !strcmp(kernels_for(&kl, ppc)->modules, "/m") && !kernels_for(&kl, x86)->modules[0],
	   "ARCH= values pair each image with its modules");
	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "", "s390x=/m", two, 2, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "no --kernel for s390x"), "modules without a kernel (%s)", err);
	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "mips=/k", "", two, 2, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "unknown arch"), "an unknown arch (%s)", err);
	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "x86_64=/a,x86_64=/b", "", two, 2, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "twice"), "one image per arch (%s)", err);
	memset(&kl, 0, sizeof(kl));
	ok(kernels_parse(&kl, "x86_64=", "", two, 2, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "no value"), "an empty value (%s)", err);
}

int main(void)
{
	shared_table();
	kernel_lists();
	return done();
}
