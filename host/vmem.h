/* virtio-mem at run time (dev_virtio_mem.c): the live device and the guest-side proof of
 * its plugged size, for `resize` and `expect virtio-mem`. The pure decision is
 * vmem_judge() in oracles.h (vmem_view.c). The device's state is hpt_dev.u.vmem. */
#ifndef HPT_VMEM_H
#define HPT_VMEM_H
#include <stdint.h>
#include "devkind.h"
#include "hpt.h"

extern const struct devkind dev_virtio_mem;

/* The device's plugged size as QEMU has it (its "size" property over QMP; libvirt's
 * <current>, up to a second behind, where QMP is refused), also kept in
 * d->u.vmem.plugged. */
int vmem_host_plugged(struct run *r, struct hpt_dev *d, uint64_t *plugged);
/* Passes the live element with only <requested> changed to virDomainUpdateDeviceFlags. */
int vmem_set_requested(struct run *r, struct hpt_dev *d, uint64_t requested, char *err,
		       size_t errlen);
/* Waits until the host's plugged size is the requested one; 0 or -ETIMEDOUT/-EINTR,
 * -EPIPE (the guest stopped), -ECOMM (the channel failed meanwhile: r->chan says how). */
int vmem_wait_plugged(struct run *r, struct hpt_dev *d, uint64_t deadline);
/* Evidence of what stayed plugged: the region's blocks and their zones, read now or, when
 * the guest no longer answers, as last seen before the resize. 1 if the guest answered. */
int vmem_stuck_evidence(struct run *r, struct hpt_dev *d, struct strbuf *ev);

/* Takes a snapshot (*snap) and finds d's region in the guest once (base, first_block,
 * n_blocks, u.vmem.base_plugged). 0 or -errno. */
int vmem_locate(struct run *r, struct hpt_dev *d, const struct snapshot **snap, char *err,
		size_t errlen);
/* vmem_locate(), then onlines blocks of the region still offline into `state`
 * (online_movable…): what the testbed does after plugging. How many it onlined, or
 * -errno. */
int vmem_ready(struct run *r, struct hpt_dev *d, const char *state, char *err, size_t errlen);
/* Takes snapshot `snap`, reads the host's plugged size and judges the guest's view of d
 * against snapshot `since`; adds the check "virtio-mem NAME <what>" unless quiet.
 * Returns the verdict (V_ERROR with err when it could not look). */
int vmem_prove(struct run *r, unsigned lineno, struct hpt_dev *d, const char *since,
	       const char *snap, const char *what, int quiet, char *err, size_t errlen);

#endif
