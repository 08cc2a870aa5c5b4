// SPDX-License-Identifier: GPL-2.0
/*
 * hpt_probe: proves where the memmap of a pfn range physically lives.
 *
 * Write "PFN COUNT" to /sys/kernel/debug/hpt_probe/range, then read it back:
 *   range PFN COUNT
 *   memmap VA_START VA_END PAGES              struct pages describing the range
 *   run IDX N BACKING_PFN inside|outside|unmapped LEVEL
 *                                             memmap pages IDX..IDX+N-1 are backed by
 *                                             frames BACKING_PFN.. (mapped at LEVEL 4K/2M/1G)
 *   flags PFN FLAGS REFCOUNT reserved=0|1     the kernel's view of the range's first pages
 *   summary inside=N outside=N unmapped=N
 * "inside" means the backing frame lies in [PFN, PFN+COUNT): the memmap is on the range.
 *
 * Write N (1..64) to /sys/kernel/debug/hpt_probe/leak to leak N 256-byte objects on
 * purpose: the negative control of the testbed's kmemleak check (`inject kmemleak`).
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <asm/pgtable.h>

/* the word of page flags (a memdesc_flags_t since 6.18: see Kbuild) */
#ifdef HPT_MEMDESC_FLAGS
#define PAGE_FLAGS_WORD(p) ((p)->flags.f)
#else
#define PAGE_FLAGS_WORD(p) ((p)->flags)
#endif

static DEFINE_MUTEX(probe_lock);
static unsigned long probe_pfn, probe_count;
static struct dentry *probe_dir;

/* Backing pfn of a kernel virtual address; level 0 if unmapped. */
static unsigned long backing_pfn(unsigned long va, unsigned int *level_out)
{
#ifdef CONFIG_X86
	unsigned int level;
	pte_t *pte = lookup_address(va, &level);

	if (!pte || !pte_present(*pte)) {
		*level_out = 0;
		return 0;
	}
	*level_out = level;
	return slow_virt_to_phys((void *)va) >> PAGE_SHIFT;
#else
	/* elsewhere init_mm is not exported; 6.1's vmalloc_to_page() walks the kernel
	 * page tables, huge leaves included (the mapping size is not reported) */
	struct page *pg = vmalloc_to_page((void *)va);

	*level_out = pg ? 1 : 0;
	return pg ? page_to_pfn(pg) : 0;
#endif
}

static const char *level_name(unsigned int level)
{
#ifdef CONFIG_X86
	switch (level) {
	case PG_LEVEL_4K: return "4K";
	case PG_LEVEL_2M: return "2M";
	case PG_LEVEL_1G: return "1G";
	}
#endif
	return "-";
}

static int range_show(struct seq_file *m, void *v)
{
	unsigned long pfn, count, first, last, pages, idx, run_start = 0, run_pfn = 0;
	unsigned long inside = 0, outside = 0, unmapped = 0;
	unsigned int run_level = 0;
	int run_kind = -1;

	mutex_lock(&probe_lock);
	pfn = probe_pfn;
	count = probe_count;
	mutex_unlock(&probe_lock);
	seq_printf(m, "range %lu %lu\n", pfn, count);
	if (!count)
		return 0;
	if (!pfn_valid(pfn) || !pfn_valid(pfn + count - 1)) {
		seq_puts(m, "invalid pfns without a memmap\n");
		return 0;
	}
	first = (unsigned long)pfn_to_page(pfn) & PAGE_MASK;
	last = PAGE_ALIGN((unsigned long)(pfn_to_page(pfn + count - 1) + 1));
	pages = (last - first) >> PAGE_SHIFT;
	seq_printf(m, "memmap 0x%lx 0x%lx %lu\n", first, last, pages);
	for (idx = 0; idx <= pages; idx++) {
		unsigned int level = 0;
		unsigned long b = 0;
		int kind = 3;	/* end marker */

		if (idx < pages) {
			b = backing_pfn(first + (idx << PAGE_SHIFT), &level);
			kind = !level ? 2 : (b >= pfn && b < pfn + count) ? 0 : 1;
			inside += kind == 0;
			outside += kind == 1;
			unmapped += kind == 2;
		}
		if (run_kind >= 0 && (kind != run_kind || level != run_level ||
				      (kind != 2 && b != run_pfn + (idx - run_start)))) {
			static const char *const names[] = { "inside", "outside", "unmapped" };

			seq_printf(m, "run %lu %lu %lu %s %s\n", run_start, idx - run_start, run_pfn,
				   names[run_kind], level_name(run_level));
			run_kind = -1;
		}
		if (run_kind < 0 && kind != 3) {
			run_kind = kind;
			run_start = idx;
			run_pfn = b;
			run_level = level;
		}
	}
	for (idx = 0; idx < 4 && idx < count; idx++) {
		struct page *p = pfn_to_page(pfn + idx);

		seq_printf(m, "flags %lu 0x%lx %d reserved=%d\n", pfn + idx, PAGE_FLAGS_WORD(p),
			   page_ref_count(p), PageReserved(p) ? 1 : 0);
	}
	seq_printf(m, "summary inside=%lu outside=%lu unmapped=%lu\n", inside, outside, unmapped);
	return 0;
}

static int range_open(struct inode *inode, struct file *file)
{
	return single_open(file, range_show, NULL);
}

static ssize_t range_write(struct file *file, const char __user *ubuf, size_t len,
			   loff_t *ppos)
{
	unsigned long pfn, count;
	char buf[64];

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%lu %lu", &pfn, &count) != 2 || !count || count > (1UL << 24))
		return -EINVAL;
	mutex_lock(&probe_lock);
	probe_pfn = pfn;
	probe_count = count;
	mutex_unlock(&probe_lock);
	return len;
}

static const struct file_operations range_fops = {
	.owner = THIS_MODULE,
	.open = range_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = range_write,
};

/* Allocates n objects and forgets them: a real leak for kmemleak to find. */
static noinline void hpt_probe_leak(unsigned long n)
{
	while (n--) {
		void *p = kmalloc(256, GFP_KERNEL);

		if (p)
			memset(p, 0x5a, 256);
		barrier_data(p);
	}
}

static ssize_t leak_write(struct file *file, const char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	unsigned long n;
	int ret = kstrtoul_from_user(ubuf, len, 0, &n);

	if (ret)
		return ret;
	if (n < 1 || n > 64)
		return -EINVAL;
	hpt_probe_leak(n);
	return len;
}

static const struct file_operations leak_fops = {
	.owner = THIS_MODULE,
	.write = leak_write,
};

static int __init hpt_probe_init(void)
{
	probe_dir = debugfs_create_dir("hpt_probe", NULL);
	debugfs_create_file("range", 0600, probe_dir, NULL, &range_fops);
	debugfs_create_file("leak", 0200, probe_dir, NULL, &leak_fops);
	return 0;
}

static void __exit hpt_probe_exit(void)
{
	debugfs_remove_recursive(probe_dir);
}

module_init(hpt_probe_init);
module_exit(hpt_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotplug-test: physical placement of a pfn range's memmap");
