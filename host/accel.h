/* The accelerator a run's guest boots under (accel.c): chosen before the guest boots
 * (guest.c only uses r->accel_used). */
#ifndef HPT_ACCEL_H
#define HPT_ACCEL_H

struct run;

/* "tcg", or "kvm" when --accel=kvm or a short KVM boot probe proved KVM boots a guest
 * here (cached per host boot in .cache/kvm-probe). */
const char *accel_choose(struct run *r);

#endif
