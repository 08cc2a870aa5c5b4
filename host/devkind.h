/* Memory device kinds: one file each (dev_<kind>.c), listed once in registry.c. A kind is
 * either hot-plugged (`plug KIND NAME …`: plug, unplug) or declared before the guest
 * boots by a scenario line named after it (`KIND NAME [options]`: the declare_* members,
 * boot_xml, boot_ready; step_declare.c reads that line). Its own state lives in its
 * member of hpt_dev.u (hpt.h), where its declaration options parse. */
#ifndef HPT_DEVKIND_H
#define HPT_DEVKIND_H
#include <stddef.h>
#include "opts.h"

struct run;
struct hpt_dev;
struct strbuf;

struct devkind {
	const char *name;	/* "dimm" */
	const char *help;
	/* Attaches the device and fills base/first_block/n_blocks; waits until the guest
	 * sees its blocks. 0, or a negative errno with the reason in err. */
	int (*plug)(struct run *r, struct hpt_dev *d, char *err, size_t errlen);
	/* Detaches it and waits until the host and the guest agree it is gone. Returns 0,
	 * -ECANCELED when the guest refused (DEVICE_REMOVAL_FAILED), other -errno on error. */
	int (*unplug)(struct run *r, struct hpt_dev *d, char *err, size_t errlen);

	/* ---- boot-time kinds (NULL declare_opts: not declared by a line) ---- */
	const char *declare_usage;	/* "nvdimm NAME size=SIZE [label=SIZE] [node=N]" */
	const char *declare_help;
	/* Options of the declaring line; their offsets are into struct hpt_dev (size,
	 * node, u.<kind>), their defaults set before parsing. */
	const struct opt *declare_opts;
	/* Checks a declared device before anything runs (only the options are set):
	 * 0, or -1 with the reason in err. Optional. */
	int (*declare_check)(const struct hpt_dev *d, char *err, size_t errlen);
	/* What the declared options need of this host and guest (the capability model):
	 * 0, or -1 with the SKIP reason in why. Optional. */
	int (*declare_needs)(struct run *r, const struct hpt_dev *d, char *why, size_t n);
	/* Completes d in run r (name, alias and options set; backing files, final size).
	 * 0, or a negative errno with the reason in err. Optional. */
	int (*declare)(struct run *r, struct hpt_dev *d, char *err, size_t errlen);
	/* Appends d's <memory> element to the domain XML. */
	void (*boot_xml)(struct strbuf *sb, const struct run *r, const struct hpt_dev *d);
	/* After the guest booted, before anything else: waits until d is as declared
	 * (e.g. plugged to its requested size, online). 0 or -errno with err. Optional. */
	int (*boot_ready)(struct run *r, struct hpt_dev *d, char *err, size_t errlen);
	/* The guest needs the tools of guest/tools.list (ndctl, daxctl): the run boots the
	 * initramfs that has them (Makefile: initramfs-tools). */
	int needs_tools;
};

const struct devkind *devkind_find(const char *name);
extern const struct devkind *const devkinds[];	/* NULL-terminated, registry.c */
/* Boot memory (dev_boot.c): the kind of the blocks `blocks` names. */
extern const struct devkind dev_boot;

/* Helpers shared by the kinds (dev_common.c). */
/* 1 if s is a valid device name: 1-16 letters, digits or _. */
int dev_name_ok(const char *s);
/* The live domain XML's <memory> element whose alias is `alias` (malloc'd into *elem,
 * the caller frees). 0, -ENOENT, -EIO or -ENOMEM. */
int live_memory_element(struct run *r, const char *alias, char **elem);
/* The device named `name` if it is of kind k, else NULL. */
struct hpt_dev *dev_of_kind(struct run *r, const char *name, const struct devkind *k);

#endif
