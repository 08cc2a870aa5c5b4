/* The one place where every unit is listed: device kinds, steps, oracles, reporters and
 * CLI verbs. Adding one = a new file + one line here. A boot-time device kind brings its
 * declaring step with it (step_find()). The arches are the rows of the build table
 * kernels/arches.def, included here: one row there and host/arch_<name>.c add one. */
#include <string.h>
#include <sys/utsname.h>
#include "arch.h"
#include "cmd.h"
#include "devkind.h"
#include "oracle.h"
#include "report.h"
#include "step.h"

#define DEVKINDS(X) X(dimm) X(boot) X(virtio_mem) X(nvdimm)
#define STEPS(X) X(arch) X(describe) X(boot) X(snapshot) X(plug) X(blocks) X(online) X(offline) \
	X(unplug) X(teardown) X(compact) X(drop_caches) X(pressure) X(workload) X(expect) X(inject) \
	X(resize) X(dax)
#define ORACLES(X) X(placement) X(vmemmap) X(no_leak) X(trend) X(guest_clock) X(default_online) X(kernel_log) X(virtio_mem)
#define REPORTERS(X) X(ktap) X(json) X(junit) X(html)
#define COMMANDS(X) X(run) X(matrix) X(merge) X(list) X(help) X(clean) X(report) X(image)

#define DECL(kind, type) extern const struct type kind;
#define D(n) DECL(dev_##n, devkind)
#define S(n) DECL(step_##n, step)
#define O(n) DECL(oracle_##n, oracle)
#define R(n) DECL(report_##n, reporter)
#define C(n) DECL(cmd_##n, command)
DEVKINDS(D) STEPS(S) ORACLES(O) REPORTERS(R) COMMANDS(C)
#undef D
#undef S
#undef O
#undef R
#undef C

#define D(n) &dev_##n,
#define S(n) &step_##n,
#define O(n) &oracle_##n,
#define R(n) &report_##n,
#define C(n) &cmd_##n,
const struct devkind *const devkinds[] = { DEVKINDS(D) NULL };
const struct step *const steps[] = { STEPS(S) NULL };
const struct oracle *const oracles[] = { ORACLES(O) NULL };
const struct reporter *const reporters[] = { REPORTERS(R) NULL };
const struct command *const commands[] = { COMMANDS(C) NULL };

/* The arches: the rows of the build table, ARCH(name, build facts…) */
#define ARCH(name, ...) DECL(arch_##name, arch)
#include "../kernels/arches.def"
#undef ARCH
#define ARCH(name, ...) &arch_##name,
const struct arch *const arches[] = {
#include "../kernels/arches.def"
	NULL
};
#undef ARCH

#define FINDER(fn, type, table)						\
	const struct type *fn(const char *name)				\
	{								\
		for (int i = 0; table[i]; i++)				\
			if (!strcmp(table[i]->name, name))		\
				return table[i];			\
		return NULL;						\
	}
FINDER(arch_find, arch, arches)
FINDER(devkind_find, devkind, devkinds)
FINDER(oracle_find, oracle, oracles)
FINDER(command_find, command, commands)

/* A line named after a boot-time device kind declares one (step_declare.c). */
extern const struct step step_declare;

const struct step *step_find(const char *name)
{
	const struct devkind *k;

	for (int i = 0; steps[i]; i++)
		if (!strcmp(steps[i]->name, name))
			return steps[i];
	k = devkind_find(name);
	return k && k->declare_opts ? &step_declare : NULL;
}

const char *arch_host(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	if (!strcmp(u.machine, "ppc64le"))
		return "ppc64le";
	return u.machine;
}

