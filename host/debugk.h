/* Debug-kernel leak checks (debugk.c): kmemleak and page_owner, see there. */
#ifndef HPT_DEBUGK_H
#define HPT_DEBUGK_H
#include "hpt.h"

/* After boot: clears kmemleak, counts the hotplug-path pages page_owner shows. */
void debugk_boot(struct run *r);
/* At every snapshot: the most hotplug-path pages seen so far (r->dbg_page_owner_peak). */
void debugk_sample(struct run *r);
/* At `expect no-leak`: the kmemleak and page_owner checks. */
void debugk_noleak(struct run *r, unsigned lineno);

#endif
