/* Memory device kinds: how to plug and unplug one. One file each (dev_<kind>.c),
 * listed once in registry.c. */
#ifndef HPT_DEVKIND_H
#define HPT_DEVKIND_H

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
	/* Devices the machine boots with (declared before `boot`): appends d's <memory>
	 * element to the domain XML. NULL for hot-plugged kinds. */
	void (*boot_xml)(struct strbuf *sb, const struct run *r, const struct hpt_dev *d);
};

const struct devkind *devkind_find(const char *name);
/* The live domain XML's <memory> element whose alias is `alias` (malloc'd into *elem,
 * the caller frees). 0, -ENOENT, -EIO or -ENOMEM. */
int live_memory_element(struct run *r, const char *alias, char **elem);
extern const struct devkind *const devkinds[];	/* NULL-terminated, registry.c */

#endif
