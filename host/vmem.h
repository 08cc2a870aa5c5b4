/* virtio-mem at run time: the live device (dev_virtio_mem.c) and the guest-side proof of
 * its plugged size (vmem.c). The pure decision is vmem_judge() in oracles.h. */
#ifndef HPT_VMEM_H
#define HPT_VMEM_H
#include <stdint.h>
#include "hpt.h"


/* The plugged size libvirt reports (<current>), also kept in d->vm_plugged. */
int vmem_host_plugged(struct run *r, struct hpt_dev *d, uint64_t *plugged);
/* Passes the live element with only <requested> changed to virDomainUpdateDeviceFlags. */
int vmem_set_requested(struct run *r, struct hpt_dev *d, uint64_t requested, char *err,
		       size_t errlen);
/* The guest physical base of d's region: the n-th top-level "virtioN" range of d's size
 * in s's /proc/iomem for the n-th virtio-mem device of that size. 0 or -ENOENT. */
int vmem_find_region(const struct snapshot *s, const struct hpt_dev *devs, int n_devs,
		     const struct hpt_dev *d, uint64_t *base);

/* Takes a snapshot (*snap) and finds d's region in the guest once (base, first_block,
 * n_blocks, vm_base_plugged). 0 or -errno. */
int vmem_locate(struct run *r, struct hpt_dev *d, const struct snapshot **snap, char *err,
		size_t errlen);
/* vmem_locate(), then onlines blocks of the region still offline into `state`
 * (online_movable…): what the testbed does after plugging. 0 or -errno. */
int vmem_ready(struct run *r, struct hpt_dev *d, const char *state, char *err, size_t errlen);
/* Takes snapshot `snap`, reads the host's plugged size and judges the guest's view of d
 * against snapshot `since`; adds the check "virtio-mem NAME <what>" unless quiet.
 * Returns the verdict (V_ERROR with err when it could not look). */
int vmem_prove(struct run *r, unsigned lineno, struct hpt_dev *d, const char *since,
	       const char *snap, const char *what, int quiet, char *err, size_t errlen);

#endif
