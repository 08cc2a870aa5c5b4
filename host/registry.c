/* The one place where every unit is listed: arches, device kinds, steps, oracles,
 * reporters and CLI verbs. Adding one = a new file + one line here. */
#include <string.h>
#include <sys/utsname.h>
#include "arch.h"
#include "cmd.h"
#include "devkind.h"
#include "oracle.h"
#include "step.h"

#define ARCHES(X) X(x86_64) X(ppc64le) X(s390x)
#define DEVKINDS(X) X(dimm) X(boot) X(virtio_mem) X(nvdimm)
#define STEPS(X) X(arch) X(describe) X(boot) X(snapshot) X(plug) X(blocks) X(online) X(offline) \
	X(unplug) X(teardown) X(compact) X(drop_caches) X(pressure) X(workload) X(expect) X(inject) \
	X(virtio_mem) X(resize) X(nvdimm) X(dax)
#define ORACLES(X) X(placement) X(vmemmap) X(no_leak) X(trend) X(kernel_log) X(virtio_mem)
#define COMMANDS(X) X(run) X(matrix) X(list) X(help) X(clean) X(image)

#define DECL(kind, type) extern const struct type kind;
#define A(n) DECL(arch_##n, arch)
#define D(n) DECL(dev_##n, devkind)
#define S(n) DECL(step_##n, step)
#define O(n) DECL(oracle_##n, oracle)
#define C(n) DECL(cmd_##n, command)
ARCHES(A) DEVKINDS(D) STEPS(S) ORACLES(O) COMMANDS(C)
#undef A
#undef D
#undef S
#undef O
#undef C

#define A(n) &arch_##n,
#define D(n) &dev_##n,
#define S(n) &step_##n,
#define O(n) &oracle_##n,
#define C(n) &cmd_##n,
const struct arch *const arches[] = { ARCHES(A) NULL };
const struct devkind *const devkinds[] = { DEVKINDS(D) NULL };
const struct step *const steps[] = { STEPS(S) NULL };
const struct oracle *const oracles[] = { ORACLES(O) NULL };
const struct command *const commands[] = { COMMANDS(C) NULL };

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
FINDER(step_find, step, steps)
FINDER(oracle_find, oracle, oracles)
FINDER(command_find, command, commands)

const char *arch_host(void)
{
	static struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	if (!strcmp(u.machine, "ppc64le"))
		return "ppc64le";
	return u.machine;
}

