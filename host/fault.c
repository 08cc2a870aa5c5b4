/* Guest fault triage (see fault.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include "arch.h"
#include "guest.h"
#include "fault.h"
#include "json.h"
#include "oracles.h"
#include "size.h"
#include "virt.h"

#define CONSOLE_TAIL (1u << 20)	/* bytes of console.log read: a panic is at its end */
#define EXCERPT_MAX 8192
#define EXCERPT_LINES 40

const char *const fault_names[FK__COUNT] = {
	[FK_NONE] = "none", [FK_PANIC] = "panic", [FK_AGENT_DIED] = "agent-died",
	[FK_HANG] = "hang", [FK_BOOT_HANG] = "boot-hang", [FK_QEMU_EXIT] = "qemu-exit",
	[FK_GARBAGE] = "garbage", [FK_FLOOD] = "console-flood", [FK_HOST_LOST] = "host-lost",
};

static const char PANIC_LINE[] = "Kernel panic - not syncing";

enum fault_kind fault_classify(const struct fault_obs *o, enum verdict *v)
{
	int gone = o->crashed || o->stopped || o->chan == CHAN_EOF;

	*v = V_ERROR;
	/* a panic the console showed is the kernel's whatever became of the host; anything
	 * else (silence, a closed channel) the lost host explains: never the kernel's */
	if (o->host_lost && !o->console_panic)
		return FK_HOST_LOST;
	if (o->crashed || ((gone || o->chan == CHAN_SILENT) && o->console_panic)) {
		if (o->init_killed)
			return FK_AGENT_DIED;	/* the kernel did what it must when init exits */
		if (o->kernel_op)
			*v = V_FAIL;
		return FK_PANIC;
	}
	if (gone)
		return FK_QEMU_EXIT;
	if (o->chan == CHAN_FLOOD) {	/* a printk storm is the kernel's, like a hang */
		if (o->kernel_op)
			*v = V_FAIL;
		return FK_FLOOD;
	}
	if (o->chan == CHAN_SILENT) {
		if (o->kernel_op)
			*v = V_FAIL;
		return FK_HANG;
	}
	if (o->chan == CHAN_DEADLINE && !o->booted)
		return FK_BOOT_HANG;
	if (o->chan == CHAN_GARBLED)
		return FK_GARBAGE;
	return FK_NONE;
}

void fault_console_facts(const char *console, struct fault_obs *o)
{
	o->console_panic = strstr(console, PANIC_LINE) != NULL;
	o->init_killed = o->console_panic && strstr(console, "Attempted to kill init") != NULL;
}

/* Offset of the line after the n-th newline from p (or the end). */
static const char *lines_after(const char *p, int n)
{
	while (n-- > 0 && (p = strchr(p, '\n')))
		p++;
	return p ? p : NULL;
}

size_t fault_excerpt(const char *console, size_t max, size_t *start, struct strbuf *out)
{
	const char *pat = NULL, *panic = strstr(console, PANIC_LINE), *end;
	long at = kernlog_find(console, &pat);
	size_t len0 = out->len;

	if (at < 0 && !panic)
		return 0;
	if (at < 0)
		at = panic - console;
	while (at > 0 && console[at - 1] != '\n')
		at--;
	*start = (size_t)at;
	end = lines_after(console + at, EXCERPT_LINES);
	if (!end)
		end = console + strlen(console);
	sb_add(out, console + at, (size_t)(end - (console + at)));
	if (panic && panic >= end) {	/* the panic line comes later: add it and its context */
		const char *pl = panic, *pe;

		while (pl > console && pl[-1] != '\n')
			pl--;
		pe = lines_after(pl, 12);
		sb_adds(out, "…\n");
		sb_add(out, pl, pe ? (size_t)(pe - pl) : strlen(pl));
	}
	if (out->len - len0 > max)
		sb_setlen(out, len0 + max);
	return out->len - len0;
}

/* The last `max` bytes of a file (all of it if smaller). */
static void read_tail(const char *path, size_t max, struct strbuf *sb)
{
	char buf[16384];
	struct stat st;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && (size_t)st.st_size > max)
		lseek(fd, st.st_size - (off_t)max, SEEK_SET);
	while (sb->len < max && (n = read(fd, buf, sizeof(buf))) > 0)
		sb_add(sb, buf, (size_t)n);
	close(fd);
	/* the console carries whatever the guest wrote: no NUL may cut our view of it */
	for (size_t i = 0; i < sb->len; i++)
		if (!sb->buf[i])
			sb->buf[i] = ' ';
}

static void console_text(const struct run *r, struct strbuf *sb)
{
	char path[PATH_MAX];

	sb_reset(sb);
	snprintf(path, sizeof(path), "%s/console.log", r->dir);
	read_tail(path, CONSOLE_TAIL, sb);
	sb_str(sb);
}

/* The check that stopped the scenario: the last ERROR/FAIL (NULL if it ended with SKIP). */
static struct check *failing_check(struct run *r)
{
	for (size_t i = r->res.n; i-- > 0;) {
		if (r->res.checks[i].v == V_ERROR || r->res.checks[i].v == V_FAIL)
			return &r->res.checks[i];
		if (r->res.checks[i].v == V_SKIP)
			return NULL;
	}
	return NULL;
}

/* Waits (until the absolute deadline) for the domain's STOPPED/CRASHED event. */
static int domain_end(struct run *r, uint64_t deadline, struct vevent *ev)
{
	return virt_wait(r->virt, r->vm_name, VEV_CRASHED, NULL, deadline, ev);
}

/* Where the hung guest's vCPUs are: the first lines of QEMU's `info registers` per CPU
 * (RIP, and CPL: 0 = stuck in the kernel, 3 = in user space). An NMI would make the
 * kernel print a backtrace, but from NMI context the console output is deferred past
 * the pvpanic notifier, which stops the VM: the backtrace never reaches the console. */
static void vcpu_registers(struct run *r, struct strbuf *out)
{
	char *text = NULL;

	if (virDomainQemuMonitorCommand(r->dom, "info registers -a", &text,
					VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0 || !text)
		return;
	for (const char *p = text; *p && out->len < 2048;) {
		size_t n = strcspn(p, "\r\n");

		/* the CPU header and the line with the instruction pointer (x86: RIP and CPL;
		 * ppc: NIP; s390x: PSW) */
		if (!strncmp(p, "CPU#", 4) || !strncmp(p, "RIP=", 4) || !strncmp(p, "NIP ", 4) ||
		    !strncmp(p, "PSW=", 4)) {
			sb_add(out, p, n);
			sb_adds(out, "\n");
		}
		p += n;
		p += strspn(p, "\r\n");
	}
	free(text);
}

static const char *const stop_details[] = {
	"shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from-snapshot",
};

/* One line saying what happened, for the check's summary. */
static void summarise(struct strbuf *sb, enum fault_kind k, const char *what, int kernel_op,
		      const struct run *r, const char *console, const char *lifecycle)
{
	const char *pl = strstr(console, k == FK_AGENT_DIED ? "Attempted to kill init" : PANIC_LINE);
	int pn = pl ? (int)strcspn(pl, "\r\n") : 0;
	char sz[32];

	switch (k) {
	case FK_PANIC:
		if (!pl) {
			pl = "no panic line on the console; libvirt: crashed";
			pn = (int)strlen(pl);
		}
		sb_addf(sb, "kernel panic during %s (%s): %.*s", what,
			kernel_op ? "a kernel operation" : "not a kernel operation", pn, pl);
		break;
	case FK_AGENT_DIED:
		sb_addf(sb, "the agent (PID 1) died during %s and the kernel panicked: %.*s", what,
			pn, pl ? pl : "");
		break;
	case FK_HANG:
		sb_addf(sb, "guest hung during %s (%s): no frame, not even a heartbeat, for %u s",
			what, kernel_op ? "a kernel operation" : "not a kernel operation",
			CHAN_SILENCE_MS / 1000);
		break;
	case FK_BOOT_HANG:
		sb_addf(sb, "the guest did not reach the agent within the boot deadline (%llu s)",
			(unsigned long long)r->boot.timeout_ms / 1000);
		break;
	case FK_QEMU_EXIT:
		sb_addf(sb, "QEMU exited during %s without a guest panic (libvirt: %s)", what,
			lifecycle);
		break;
	case FK_GARBAGE:
		sb_addf(sb, "the agent broke the protocol during %s: %s", what, r->chan.err);
		break;
	case FK_HOST_LOST:
		sb_addf(sb, "lost the connection to the libvirt host %s during %s: what the guest "
			"did is unknown (the daemon stopped or the network failed)", r->virt->uri,
			what);
		break;
	case FK_FLOOD:
		sb_addf(sb, "the guest flooded its console during %s (%s): console.log over %s",
			what, kernel_op ? "a kernel operation" : "not a kernel operation",
			fmt_size(r->chan.console_max, sz, sizeof(sz)));
		break;
	default:
		break;
	}
}

int fault_triage(struct run *r, const struct scn_line *l, int kernel_op)
{
	struct fault_obs o = { .chan = r->chan.state, .booted = r->booted, .kernel_op = kernel_op };
	struct strbuf console = STRBUF_INIT, ev = STRBUF_INIT, sum = STRBUF_INIT, ex = STRBUF_INIT;
	struct strbuf regs = STRBUF_INIT;
	uint64_t t0 = now_ms(), wait = 0, got_event = 0;
	const char *what = !r->booted ? "boot" : l ? l->argv[0] : "the end of the scenario";
	char lifecycle[64] = "running", qlog[PATH_MAX];
	struct check *c = l ? failing_check(r) : NULL;
	enum fault_kind kind;
	struct vevent e;
	enum verdict v;
	size_t start = 0;
	int active;
	struct json j;

	if (!r->dom || r->fault || hpt_stop || o.chan == CHAN_STOPPED || (l && !c))
		return 0;
	/* has the domain stopped? A closed channel or an inactive domain means it is going:
	 * give libvirt a moment to say how (crashed = the guest panicked) */
	active = virDomainIsActive(r->dom);
	if (o.chan == CHAN_EOF || active != 1)
		wait = run_timeout(r, 3000);
	if (domain_end(r, now_ms() + wait, &e) == 0) {
		o.crashed = e.kind == VEV_CRASHED;
		o.stopped = !o.crashed;
		got_event = e.t_ms;
		snprintf(lifecycle, sizeof(lifecycle), "%s", o.crashed ? "crashed" :
			 (size_t)e.detail < sizeof(stop_details) / sizeof(stop_details[0]) ?
			 stop_details[e.detail] : "stopped");
	} else if (virDomainIsActive(r->dom) != 1) {
		o.stopped = 1;
		snprintf(lifecycle, sizeof(lifecycle), "inactive, no event");
	}
	o.host_lost = !virt_alive(r->virt);
	console_text(r, &console);
	fault_console_facts(sb_str(&console), &o);
	kind = fault_classify(&o, &v);
	if (kind == FK_NONE)
		goto cleanup;
	if (kind == FK_HANG || kind == FK_BOOT_HANG)
		vcpu_registers(r, &regs);
	guest_stop(r);	/* destroy it now: nothing it says can be trusted any more */

	summarise(&sum, kind, what, kernel_op, r, sb_str(&console), lifecycle);
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_str(&j, "fault", fault_names[kind]);
	json_str(&j, "during", what);
	json_bool(&j, "kernel_operation", kernel_op);
	json_str(&j, "channel", r->chan.err[0] ? r->chan.err : NULL);
	if (r->chan.fail_ms && r->chan.last_frame_ms)
		json_u64(&j, "guest_silent_ms", r->chan.fail_ms - r->chan.last_frame_ms);
	json_str(&j, "lifecycle", lifecycle);
	if (got_event && r->chan.fail_ms)
		json_i64(&j, "event_after_channel_ms", (int64_t)got_event - (int64_t)r->chan.fail_ms);
	json_u64(&j, "triage_ms", now_ms() - t0);
	if (regs.len)
		json_str(&j, "vcpu_registers", sb_str(&regs));
	if (kind == FK_GARBAGE)
		json_str(&j, "bytes", r->chan.bad);
	if (c && c->summary)
		json_str(&j, "step_error", c->summary);
	if (fault_excerpt(sb_str(&console), EXCERPT_MAX, &start, &ex)) {
		json_str(&j, "console_excerpt", sb_str(&ex));
	} else if (console.len && (kind == FK_BOOT_HANG || kind == FK_HANG ||
				   kind == FK_QEMU_EXIT || kind == FK_FLOOD)) {
		size_t n = console.len > 2048 ? 2048 : console.len;

		json_strn(&j, "console_tail", console.buf + console.len - n, n);
	}
	if (kind == FK_QEMU_EXIT) {
		struct strbuf q = STRBUF_INIT;

		snprintf(qlog, sizeof(qlog), "%s/qemu.log", r->dir);
		read_tail(qlog, 800, &q);
		json_strn(&j, "qemu_log_tail", q.buf ? q.buf : "", q.len);
		sb_release(&q);
	}
	json_obj_end(&j);

	if (!c)
		c = result_add(&r->res, v, "guest", 0, NULL, "%s", sb_str(&sum));
	if (c) {
		free(c->summary);
		free(c->evidence);
		c->v = v;
		c->summary = strdup(sb_str(&sum));
		c->evidence = strdup(sb_str(&ev));
	}
	hpt_verbose("vm %s: %s fault typed %s in %llu ms", r->vm_name, fault_names[kind],
		    verdict_names[v], (unsigned long long)(now_ms() - t0));
	r->fault = fault_names[kind];
	r->booted = 0;
cleanup:
	sb_release(&console);
	sb_release(&ev);
	sb_release(&sum);
	sb_release(&ex);
	sb_release(&regs);
	return kind != FK_NONE;
}

int fault_check_alive(struct run *r)
{
	struct strbuf reply = STRBUF_INIT;
	int rc;

	if (!r->booted || r->fault || hpt_stop)
		return 0;
	rc = chan_call(&r->chan, run_timeout(r, 10000), &reply, "info");
	sb_release(&reply);
	return rc < 0 ? fault_triage(r, NULL, 0) : 0;
}
