/* Guest lifecycle: prepare artefacts, build the domain XML, boot, stop. */
#ifndef HPT_GUEST_H
#define HPT_GUEST_H
#include <stddef.h>
#include "hpt.h"

/* Boots r->boot on r->arch; fills r->guest from the agent's info. */
int guest_boot(struct run *r, char *err, size_t errlen);
/* Destroys the domain (the kernel log has been read through the agent: a clean
 * power-off costs 1.6 s under TCG and proves nothing) and keeps the QEMU log in the run
 * dir. Safe to call twice. */
void guest_stop(struct run *r);
/* Makes sure kernel and initramfs for the arch exist (runs make for ours), writing their
 * paths. */
int guest_prepare(const struct run *r, char *kernel, char *initrd, size_t n, char *err,
		  size_t errlen);
/* The kernel image the run boots (the one guest_prepare() picks, before it exists). */
void guest_kernel_image(const struct run *r, char *buf, size_t n);
/* Domain XML for the run (type "qemu" or "kvm"). */
void guest_domain_xml(struct strbuf *sb, const struct run *r, const char *type,
		      const char *kernel, const char *initrd, const char *sock);
/* The project's top directory (from $HPT_TOP or the binary's location). */
const char *hpt_top(void);

#endif
