/* Fault triage decisions (host/fault.c): the verdict table, and the console facts and
 * excerpt on consoles recorded from real guests that panicked. */
#include <string.h>
#include "fault.h"
#include "tap.h"

#define LOGS "tests/fixtures/x86_64-deb6.1-logs/"

struct tcase {
	const char *what;
	struct fault_obs o;
	enum fault_kind kind;
	enum verdict v;
};

static const struct tcase cases[] = {
	{ "pvpanic crash during a kernel operation",
	  { .chan = CHAN_EOF, .booted = 1, .crashed = 1, .console_panic = 1, .kernel_op = 1 },
	  FK_PANIC, V_FAIL },
	{ "pvpanic crash outside one",
	  { .chan = CHAN_EOF, .booted = 1, .crashed = 1, .console_panic = 1 }, FK_PANIC, V_ERROR },
	{ "crash event without a console line still a panic",
	  { .chan = CHAN_OK, .booted = 1, .crashed = 1, .kernel_op = 1 }, FK_PANIC, V_FAIL },
	{ "panic without pvpanic: rebooted, console says so",
	  { .chan = CHAN_EOF, .booted = 1, .stopped = 1, .console_panic = 1, .kernel_op = 1 },
	  FK_PANIC, V_FAIL },
	{ "panic that left the guest silent (no destroy)",
	  { .chan = CHAN_SILENT, .booted = 1, .console_panic = 1 }, FK_PANIC, V_ERROR },
	{ "init killed during a kernel operation is the agent, not the kernel",
	  { .chan = CHAN_EOF, .booted = 1, .crashed = 1, .console_panic = 1, .init_killed = 1,
	    .kernel_op = 1 }, FK_AGENT_DIED, V_ERROR },
	{ "QEMU killed", { .chan = CHAN_EOF, .booted = 1, .stopped = 1, .kernel_op = 1 },
	  FK_QEMU_EXIT, V_ERROR },
	{ "channel closed, no event yet", { .chan = CHAN_EOF, .booted = 1 }, FK_QEMU_EXIT, V_ERROR },
	{ "hang during a kernel operation", { .chan = CHAN_SILENT, .booted = 1, .kernel_op = 1 },
	  FK_HANG, V_FAIL },
	{ "hang outside one", { .chan = CHAN_SILENT, .booted = 1 }, FK_HANG, V_ERROR },
	{ "console flood during a kernel operation", { .chan = CHAN_FLOOD, .booted = 1,
	  .kernel_op = 1 }, FK_FLOOD, V_FAIL },
	{ "console flood outside one", { .chan = CHAN_FLOOD, .booted = 1 }, FK_FLOOD, V_ERROR },
	{ "flood that ended in a panic: the panic", { .chan = CHAN_FLOOD, .booted = 1,
	  .crashed = 1, .console_panic = 1, .kernel_op = 1 }, FK_PANIC, V_FAIL },
	{ "no hello in time", { .chan = CHAN_DEADLINE }, FK_BOOT_HANG, V_ERROR },
	{ "a slow verb of a live agent is no fault", { .chan = CHAN_DEADLINE, .booted = 1,
	  .kernel_op = 1 }, FK_NONE, V_ERROR },
	{ "garbage", { .chan = CHAN_GARBLED, .booted = 1, .kernel_op = 1 }, FK_GARBAGE, V_ERROR },
	{ "a stop by signal is no fault", { .chan = CHAN_STOPPED, .booted = 1 }, FK_NONE, V_ERROR },
	{ "a lost libvirt host during a kernel operation: ERROR, not a hang",
	  { .chan = CHAN_SILENT, .booted = 1, .kernel_op = 1, .host_lost = 1 }, FK_HOST_LOST,
	  V_ERROR },
	{ "a lost libvirt host closed the channel: not QEMU's exit",
	  { .chan = CHAN_EOF, .booted = 1, .stopped = 1, .host_lost = 1 }, FK_HOST_LOST, V_ERROR },
	{ "a panic on the console stays the kernel's when the host is lost after it",
	  { .chan = CHAN_EOF, .booted = 1, .console_panic = 1, .kernel_op = 1, .host_lost = 1 },
	  FK_PANIC, V_FAIL },
	{ "an old panic on the console of a live guest is no fault",
	  { .chan = CHAN_OK, .booted = 1, .console_panic = 1 }, FK_NONE, V_ERROR },
};

int main(void)
{
	struct strbuf sysrq = STRBUF_INIT, init = STRBUF_INIT, clean = STRBUF_INIT, ex = STRBUF_INIT;
	struct fault_obs o;
	size_t start = 0, n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum verdict v;
		enum fault_kind k = fault_classify(&cases[i].o, &v);

		ok(k == cases[i].kind && (k == FK_NONE || v == cases[i].v), "%s: %s %s",
		   cases[i].what, fault_names[k], verdict_names[v]);
	}
	ok(sb_read_file(&sysrq, LOGS "console-sysrq-panic.log", 1 << 20) == 0 &&
	   sb_read_file(&init, LOGS "console-init-killed.log", 1 << 20) == 0 &&
	   sb_read_file(&clean, "tests/fixtures/x86_64-deb6.1-dimm128-mom/unplugged/dmesg",
			1 << 20) == 0, "recorded consoles loaded");
	memset(&o, 0, sizeof(o));
	fault_console_facts(sb_str(&sysrq), &o);
	ok(o.console_panic && !o.init_killed, "sysrq console: a panic, init alive");
	memset(&o, 0, sizeof(o));
	fault_console_facts(sb_str(&init), &o);
	ok(o.console_panic && o.init_killed, "init-killed console: a panic because init died");
	memset(&o, 0, sizeof(o));
	fault_console_facts(sb_str(&clean), &o);
	ok(!o.console_panic && !o.init_killed, "a clean guest log: nothing");
	n = fault_excerpt(sb_str(&sysrq), 8192, &start, &ex);
	ok(n > 0 && !strncmp(sb_str(&ex), "[    3.908679] Kernel panic - not syncing: sysrq", 48),
	   "excerpt starts at the panic line");
	ok(strstr(sb_str(&ex), "Call Trace:") && strstr(sb_str(&ex), "sysrq_handle_crash"),
	   "excerpt carries the call trace");
	sb_reset(&ex);
	ok(fault_excerpt(sb_str(&sysrq), 100, &start, &ex) == 100 && ex.len == 100,
	   "excerpt is cut at max bytes");
	sb_reset(&ex);
	ok(fault_excerpt(sb_str(&clean), 8192, &start, &ex) == 0, "no excerpt from a clean log");
	sb_release(&sysrq);
	sb_release(&init);
	sb_release(&clean);
	sb_release(&ex);
	return done();
}
