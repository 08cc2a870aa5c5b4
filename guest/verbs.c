/* The one table of agent verbs, the dispatcher and `help`. */
#include <errno.h>
#include <string.h>
#include "agent.h"

static const struct ag_verb verbs[] = {
	{ "help", v_help, 0, 0, "help", "list the verbs" },
	{ "info", v_info, 0, 0, "info", "kernel, arch, block, page, memory parameters, cmdline" },
	{ "seed", v_seed, 1, 1, "seed HEX",
	  "credit the host's random bytes (16-64) to the kernel's entropy pool: the CRNG is "
	  "ready at once, as with a boot loader's seed" },
	{ "snapshot", v_snapshot, 0, 8, "snapshot [PFN+COUNT ...]",
	  "bundle of meminfo zoneinfo vmstat iomem blocks [kpage] params dmesg" },
	{ "online", v_online, 3, 3, "online FIRST COUNT online|online_movable|online_kernel",
	  "online memory blocks FIRST.. in ascending order" },
	{ "offline", v_offline, 2, 3, "offline FIRST COUNT [TIMEOUT_MS]",
	  "offline memory blocks in descending order; a signal ends what is left at TIMEOUT_MS" },
	{ "wait-blocks", v_wait_blocks, 4, 4,
	  "wait-blocks FIRST COUNT present|absent|online|offline TIMEOUT_MS",
	  "wait until every block of the range is in that condition" },
	{ "events", v_events, 0, 0, "events",
	  "memory block uevents since the last call: SEQNUM MS ACTION memoryN, kernel order" },
	{ "probe", v_probe, 2, 2, "probe PFN COUNT",
	  "where the memmap of PFN..PFN+COUNT-1 physically lives (loads the probe module)" },
	{ "frames", v_frames, 3, 31, "frames mark|hold PFN COUNT | frames check FPFN N VA [...]",
	  "the memmap's own frames: mark those outside the range (freeing clears the mark), "
	  "check recorded ones (freed, held, still in use), or hold one (self-test)" },
	{ "page-owner", v_page_owner, 1, 1, "page-owner FUNC[,FUNC...]",
	  "pages whose page_owner allocation stack names FUNC (debug kernels)" },
	{ "drop-caches", v_drop_caches, 0, 0, "drop-caches", "sync; drop page cache and slabs" },
	{ "compact", v_compact, 0, 0, "compact", "compact all zones" },
	{ "workload-start", v_workload_start, 1, 9, "workload-start NAME [KEY=VALUE ...]",
	  "start a busy-guest workload (zram, zswap, thp, pins) in its own process" },
	{ "workload-wait", v_workload_wait, 2, 3, "workload-wait NAME EVENT [TIMEOUT_MS]",
	  "wait until the workload reports EVENT (pins: pinned); its report" },
	{ "workload-stop", v_workload_stop, 1, 2, "workload-stop NAME [TIMEOUT_MS]",
	  "stop it: it tears down what it set up and reports (fail:/skip: lines, key=value)" },
	{ "pressure", v_pressure, 1, 2, "pressure MIB [ROUNDS]",
	  "ROUNDS times map, touch and unmap MIB MiB of anonymous memory in a child" },
	{ "tool", v_tool, 2, 24, "tool SECONDS ndctl|daxctl [ARG...]",
	  "run a shipped tool with a deadline: exit code, stdout, stderr" },
	{ "read", v_read, 1, 1, "read PATH", "contents of a /proc or /sys file (<= 1 MiB)" },
	{ "write", v_write, 2, 2, "write PATH VALUE", "write VALUE to a /sys or /proc/sys file" },
	{ "dmesg", v_dmesg, 0, 0, "dmesg", "kernel log lines since the previous read" },
	{ "timer", v_timer, 0, 2, "timer [KICK_MS [DEADLINE_MS]]",
	  "prove every CPU's timer interrupts arrive (a 1 ms timerfd, twice); raise an "
	  "irq_work if none by KICK_MS (a restored guest's lost decrementer; 0: never)" },
	{ "poweroff", v_poweroff, 0, 0, "poweroff", "reply, sync and power off" },
	{ "inject", v_inject, 1, 3,
	  "inject panic|hang|exit|garbage|oversize [AFTER_MS] | pin MIB | leak BYTES offline|remove",
	  "testbed self-test: make the guest fail now (no reply) or AFTER_MS from now; "
	  "pin MIB of memory so that offlining it never ends; make the probe module leak "
	  "BYTES on every memory offline or removal" },
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

const struct ag_verb *ag_verb_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_VERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int v_help(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < N_VERBS; i++)
		sb_addf(out, "%s\n    %s\n", verbs[i].usage, verbs[i].help);
	return 0;
}

/* Runs argv; on failure out holds the message (first line) and evidence. */
int ag_verb_run(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	const struct ag_verb *v;
	int ret;

	if (argc < 1) {
		sb_adds(out, "empty request");
		return -EINVAL;
	}
	v = ag_verb_find(argv[0]);
	if (!v) {
		sb_addf(out, "unknown verb %.64s", argv[0]);
		return -EINVAL;
	}
	if (argc - 1 < v->min_args || argc - 1 > v->max_args) {
		sb_addf(out, "%s: usage: %s", v->name, v->usage);
		return -EINVAL;
	}
	ret = v->fn(a, argc, argv, out);
	if (ret < 0 && out->len == 0)
		sb_addf(out, "%s: %s", v->name, strerror(-ret));
	return ret;
}
