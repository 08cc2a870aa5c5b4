/* NVDIMMs at run time (dev_nvdimm.c): the region `dax` makes namespaces in, its
 * namespaces (hpt_dev.u.nvdimm) and the guest's ndctl/daxctl. */
#ifndef HPT_NVDIMM_H
#define HPT_NVDIMM_H
#include "devkind.h"
#include "hpt.h"

extern const struct devkind dev_nvdimm;

/* The NVDIMM whose region (region0) `dax` works in: the first one declared; NULL if none. */
struct hpt_dev *nvdimm_region(struct run *r);
/* d's namespace named `name` (d may be NULL), or NULL. */
struct nvdimm_ns *nvdimm_ns_find(struct hpt_dev *d, const char *name);
/* Forgets a destroyed namespace of d. */
void nvdimm_ns_drop(struct hpt_dev *d, struct nvdimm_ns *ns);
/* Runs a tool in the guest (`tool` verb: "ndctl …"); *json = its stdout (malloc'd), the
 * whole reply kept in the run dir as dax-NN-VERB.txt. 0 = exit 0; -EIO with err = its
 * stderr otherwise, -ENOENT when the initramfs lacks the tools, or the channel's -errno. */
int nvdimm_tool(struct run *r, struct hpt_dev *d, const char *verb, char **json, char *err,
		size_t errlen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Gives the region a fresh label area once per run (label-less regions cannot be
 * divided into namespaces). 0 or nvdimm_tool()'s -errno with err. */
int nvdimm_init_labels(struct run *r, struct hpt_dev *d, char *err, size_t errlen);

#endif
