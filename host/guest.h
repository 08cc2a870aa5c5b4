/* Guest lifecycle: prepare artefacts, build the domain XML, boot, stop. */
#ifndef HPT_GUEST_H
#define HPT_GUEST_H
#include <stddef.h>
#include "hpt.h"

/* Boots r->boot on r->arch; fills r->guest from the agent's info. */
int guest_boot(struct run *r, char *err, size_t errlen);
/* The agent channel of the running domain r->dom, listening on sock: agent.log, the
 * console watch, the agent's hello (asked for again when ask_hello: a restored guest
 * said it to a host long gone) and its info into r->guest. */
int guest_attach(struct run *r, const char *sock, int ask_hello, char *err, size_t errlen);
/* guest_timer.c: the agent's proof that every CPU's timer interrupts arrive (a restored
 * pseries guest on QEMU before 8.2 may have lost them: guest/v_timer.c). */
struct guest_timer {
	int cpus;		/* CPUs proven */
	int revived;		/* of them, those with no timer interrupt within 20 ms (KICK_MS)
				 * that had one after the agent's irq_work */
	int64_t slowest_ms;	/* the slowest CPU's first 1 ms timer */
};
/* Asks the agent (reviving dead timers when revive): 0 and t filled; -ETIME (a CPU's
 * timer stays dead: err says which), -EIO (the channel) or -EPROTO, with err. */
int guest_timer_proof(struct run *r, int revive, struct guest_timer *t, char *err,
		      size_t errlen);
/* The agent's answer: one "cpu=N kicked=0|1 first_ms=MS second_ms=MS" line per CPU.
 * 0, or -EPROTO with err. */
int guest_timer_parse(const char *reply, struct guest_timer *t, char *err, size_t errlen);
/* Creates the sparse scratch disk in the run dir when r->boot asks for one. */
int guest_scratch_disk(struct run *r, char *err, size_t errlen);
/* Destroys the domain (the kernel log has been read through the agent: a clean
 * power-off costs 1.6 s under TCG and proves nothing) and keeps the QEMU log in the run
 * dir. Safe to call twice. */
void guest_stop(struct run *r);
/* Makes sure kernel and initramfs for the arch exist (runs make for ours), writing their
 * paths. */
int guest_prepare(const struct run *r, char *kernel, char *initrd, size_t n, char *err,
		  size_t errlen);
/* The kernel image the run boots: once prepared, the one it booted (r->kernel_image);
 * before, the one guest_prepare() will pick ("" for a Debian kernel not fetched yet). */
void guest_kernel_image(const struct run *r, char *buf, size_t n);
/* 1 if the scenario declares a device whose kind needs ndctl/daxctl in the guest. */
int guest_scenario_tools(const struct scenario *s);
/* The kernel the run was asked for: the --kernel spec (or, in a matrix job, the matrix's,
 * from HPT_KERNEL_SPEC), "debian:bookworm" by default. */
const char *guest_kernel_spec(const struct run *r);
/* Domain XML for the run (type "qemu" or "kvm"). */
void guest_domain_xml(struct strbuf *sb, const struct run *r, const char *type,
		      const char *kernel, const char *initrd, const char *sock);
/* The project's top directory (from $HPT_TOP or the binary's location). */
const char *hpt_top(void);

#endif
