// SPDX-License-Identifier: GPL-2.0
/*
 * hpt_probe: proves where the memmap of a pfn range physically lives, and what became of
 * the frames that backed it.
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
 * /sys/kernel/debug/hpt_probe/frames: the memmap's own frames (the `no-leak memmap frames`
 * check). Write a command, read its report:
 *   "mark PFN COUNT"   marks every frame outside [PFN, PFN+COUNT) that backs the range's
 *                      memmap with PG_owner_priv_1, which the page allocator clears when
 *                      a page is freed (free_pages_prepare() clears every flag of every
 *                      page of the block, PAGE_FLAGS_CHECK_AT_PREP) and which nothing sets
 *                      on an untyped kernel allocation; reports "frame FPFN N VA" runs and
 *                      "summary runs=R frames=F".
 *   "check FPFN N VA"  for frames FPFN..FPFN+N-1 that backed memmap VA..: "check FPFN N
 *                      freed=A held=B inuse=C stale=D free_now=E", then "held PFN FLAGS
 *                      REFCOUNT" for the first held ones. freed: the allocator took it back
 *                      (marker gone); held: marked and still the untyped allocation it was
 *                      (never freed); inuse: still mapped at VA by a mapping that also
 *                      holds the memmap of present memory (shared: ppc64's 2M vmemmap
 *                      blocks span 2 GiB of 64K pages); stale: still mapped at VA although
 *                      no pfn that mapping describes is present; free_now: of the freed,
 *                      those free in the buddy now.
 *   "hold PFN COUNT"   self-test: takes a reference on the first outside frame of the
 *                      range's memmap that heads its allocation and never drops it, so
 *                      that freeing the memmap leaves that frame allocated (`inject
 *                      memmap-hold`).
 *
 * /sys/kernel/debug/hpt_probe/notify_leak: a leak in the kernel on purpose (`inject
 * leak`). Write "BYTES offline|remove": on every MEM_OFFLINE memory notification (per
 * memory block), or every removal of memory block devices (a kprobe on
 * remove_memory_block_devices(), one hit per removed range), allocate BYTES in pages
 * (alloc_page(), accounted nowhere, like a memmap) and forget them. Read: "per=WHEN
 * bytes=B events=N leaked=BYTES failed=F". "0 off" stops it.
 *
 * Write N (1..64) to /sys/kernel/debug/hpt_probe/leak to leak N 256-byte objects on
 * purpose: the negative control of the testbed's kmemleak check (`inject kmemleak`).
 *
 * Write "1" to /sys/kernel/debug/hpt_probe/misplace: a page in ZONE_MOVABLE that is typed
 * as a page table and never freed, the unmovable kernel page a buggy kernel would leave
 * there (`inject movable-pgtable`, the negative control of `blocks`' movable-zone check).
 * Read: "misplaced PFN" per page, or "none".
 *
 * Write "1" to /sys/kernel/debug/hpt_probe/timer_loss (pseries): every CPU's decrementer
 * is set to its maximum, years away, while the kernel still waits for the event it
 * programmed: what QEMU before 8.2 leaves in a restored TCG guest (it does not migrate
 * the decrementer), the negative control of the agent's timer proof (`inject
 * timer-loss`). -EOPNOTSUPP elsewhere.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/memory.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <asm/pgtable.h>

/* the word of page flags (a memdesc_flags_t since 6.18: see Kbuild) */
#ifdef HPT_MEMDESC_FLAGS
#define PAGE_FLAGS_WORD(p) ((p)->flags.f)
#else
#define PAGE_FLAGS_WORD(p) ((p)->flags)
#endif
/* PG_owner_priv_1 by its bit: the PageOwnerPriv1() helpers are gone in 6.12+ */
#define PAGE_OWNER_PRIV1(p) test_bit(PG_owner_priv_1, &PAGE_FLAGS_WORD(p))
#define SET_PAGE_OWNER_PRIV1(p) set_bit(PG_owner_priv_1, &PAGE_FLAGS_WORD(p))

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

/* ---- the memmap's own frames ---------------------------------------------------- */

#define FRAMES_OUT_MAX (256u << 10)	/* report bytes */
#define HELD_MAX 16
#define HELD_SHOWN 8

static char *frames_out;	/* the last command's report (vmalloc'd), under probe_lock */
static size_t frames_len;
static struct page *held_pages[HELD_MAX];	/* `hold`: references never dropped */
static int n_held;

static __printf(1, 2) void frames_add(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!frames_out || frames_len >= FRAMES_OUT_MAX - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(frames_out + frames_len, FRAMES_OUT_MAX - frames_len, fmt, ap);
	va_end(ap);
	frames_len = min_t(size_t, frames_len + n, FRAMES_OUT_MAX - 1);
}

/* The memmap of [pfn, pfn+count): its first page's address and its pages; -EINVAL if
 * the range has no memmap. */
static int memmap_span(unsigned long pfn, unsigned long count, unsigned long *first,
		       unsigned long *pages)
{
	unsigned long last;

	if (!count || !pfn_valid(pfn) || !pfn_valid(pfn + count - 1))
		return -EINVAL;
	*first = (unsigned long)pfn_to_page(pfn) & PAGE_MASK;
	last = PAGE_ALIGN((unsigned long)(pfn_to_page(pfn + count - 1) + 1));
	*pages = (last - *first) >> PAGE_SHIFT;
	return 0;
}

/* Marked and still the untyped kernel allocation a memmap frame is: never freed since
 * (freeing clears every flag; a new owner would have typed or mapped it). */
static bool frame_held(struct page *p)
{
	return PAGE_OWNER_PRIV1(p) && !PageCompound(p) && !PageLRU(p) && !PageSlab(p) &&
	       !PageBuddy(p) && !p->mapping;
}

/* Bytes one mapping of the vmemmap covers at a walk level: the page-table level on x86,
 * else the largest unit the vmemmap is mapped with (a PMD: 2M on ppc64 radix). */
static unsigned long mapping_bytes(unsigned int level)
{
#ifdef CONFIG_X86
	switch (level) {
	case PG_LEVEL_2M: return PMD_SIZE;
	case PG_LEVEL_1G: return PUD_SIZE;
	}
	return PAGE_SIZE;
#else
	return PMD_SIZE;
#endif
}

/* Whether any pfn whose struct page lies in the mapping of the vmemmap at va (of the
 * size the walk found) has a memmap: the mapping is shared with present memory. */
static bool describes_present(unsigned long va, unsigned int level)
{
	unsigned long unit = mapping_bytes(level), start = va & ~(unit - 1), p, end;

	p = page_to_pfn((struct page *)ALIGN(start, sizeof(struct page)));
	end = page_to_pfn((struct page *)(start + unit));
	for (; p < end; p += PAGES_PER_SUBSECTION)
		if (pfn_valid(p))
			return true;
	return false;
}

/* "mark PFN COUNT" (hold = 0) and "hold PFN COUNT" (hold = 1). */
static int frames_mark(unsigned long pfn, unsigned long count, int hold)
{
	unsigned long first, pages, idx, run_pfn = 0, run_va = 0, run_n = 0, frames = 0, runs = 0;
	int ret = memmap_span(pfn, count, &first, &pages);

	if (ret) {
		frames_add("invalid pfns without a memmap\n");
		return ret;
	}
	frames_add("frames %lu %lu\n", pfn, count);
	for (idx = 0; idx <= pages; idx++) {
		unsigned int level = 0;
		unsigned long va = first + (idx << PAGE_SHIFT), b = 0;
		bool out = false;

		if (idx < pages) {
			b = backing_pfn(va, &level);
			out = level && (b < pfn || b >= pfn + count) && pfn_valid(b);
		}
		if (run_n && (!out || b != run_pfn + run_n)) {
			frames_add("frame %lu %lu 0x%lx\n", run_pfn, run_n, run_va);
			runs++;
			run_n = 0;
		}
		if (!out)
			continue;
		if (hold) {
			/* the head of its allocation only (refcount 1): a tail of a non-compound
			 * block has none, and holding it would make the block's free a bad page */
			if (page_ref_count(pfn_to_page(b)) < 1)
				continue;
			if (n_held >= HELD_MAX)
				return -ENOSPC;
			get_page(pfn_to_page(b));
			held_pages[n_held++] = pfn_to_page(b);
			frames_add("held %lu\n", b);
			return 0;
		}
		SET_PAGE_OWNER_PRIV1(pfn_to_page(b));
		if (!run_n) {
			run_pfn = b;
			run_va = va;
		}
		run_n++;
		frames++;
	}
	if (hold) {
		frames_add("no frame outside the range heads an allocation backing its memmap\n");
		return -ENOENT;
	}
	frames_add("summary runs=%lu frames=%lu\n", runs, frames);
	return 0;
}

/* "check FPFN N VA". */
static int frames_check(unsigned long fpfn, unsigned long n, unsigned long va)
{
	unsigned long i, freed = 0, held = 0, inuse = 0, stale = 0, free_now = 0, gone = 0;
	unsigned long shown[HELD_SHOWN];
	int n_shown = 0;

	for (i = 0; i < n; i++) {
		unsigned long b = fpfn + i;
		unsigned int level = 0;
		struct page *p;

		if (!pfn_valid(b)) {	/* the memory that held it is gone itself */
			gone++;
			continue;
		}
		p = pfn_to_page(b);
		if (backing_pfn(va + (i << PAGE_SHIFT), &level) == b && level) {
			if (describes_present(va + (i << PAGE_SHIFT), level))
				inuse++;
			else
				stale++;
		} else if (frame_held(p)) {
			if (n_shown < HELD_SHOWN)
				shown[n_shown++] = b;
			held++;
		} else {
			freed++;
			free_now += is_free_buddy_page(p);
		}
	}
	frames_add("check %lu %lu freed=%lu held=%lu inuse=%lu stale=%lu free_now=%lu gone=%lu\n",
		   fpfn, n, freed, held, inuse, stale, free_now, gone);
	for (i = 0; i < n_shown; i++) {
		struct page *p = pfn_to_page(shown[i]);

		frames_add("held %lu 0x%lx %d\n", shown[i], PAGE_FLAGS_WORD(p), page_ref_count(p));
	}
	return 0;
}

static int frames_show(struct seq_file *m, void *v)
{
	mutex_lock(&probe_lock);
	if (frames_out)
		seq_write(m, frames_out, frames_len);
	mutex_unlock(&probe_lock);
	return 0;
}

static int frames_open(struct inode *inode, struct file *file)
{
	return single_open_size(file, frames_show, NULL, FRAMES_OUT_MAX + PAGE_SIZE);
}

static ssize_t frames_write(struct file *file, const char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	unsigned long a, b, c = 0;
	char buf[96], cmd[8];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%7s %lu %lu %lx", cmd, &a, &b, &c) < 3 || !b || b > (1UL << 24))
		return -EINVAL;
	mutex_lock(&probe_lock);
	frames_len = 0;
	if (frames_out)
		frames_out[0] = 0;
	if (!strcmp(cmd, "mark"))
		ret = frames_mark(a, b, 0);
	else if (!strcmp(cmd, "hold"))
		ret = frames_mark(a, b, 1);
	else if (!strcmp(cmd, "check") && c)
		ret = frames_check(a, b, c);
	else
		ret = -EINVAL;
	mutex_unlock(&probe_lock);
	return ret ? ret : len;
}

static const struct file_operations frames_fops = {
	.owner = THIS_MODULE,
	.open = frames_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = frames_write,
};

/* ---- a kernel leak on purpose, on memory notifications -------------------------- */

enum { LEAK_OFF, LEAK_OFFLINE, LEAK_REMOVE };
static const char *const leak_when[] = { "off", "offline", "remove" };
static unsigned long leak_bytes;
static int leak_per;
static atomic_long_t leak_events, leak_total, leak_failed;
static atomic_t leak_pending;
static bool leak_nb_on, leak_kp_on;

/* Takes leak_bytes in pages and forgets them: nothing accounts them, like a memmap. */
static void leak_now(void)
{
	unsigned long n = DIV_ROUND_UP(READ_ONCE(leak_bytes), PAGE_SIZE);

	while (n--) {
		struct page *p = alloc_page(GFP_KERNEL | __GFP_NOWARN);

		if (!p) {
			atomic_long_inc(&leak_failed);
			continue;
		}
		atomic_long_add(PAGE_SIZE, &leak_total);
	}
	atomic_long_inc(&leak_events);
}

static int leak_mem_cb(struct notifier_block *nb, unsigned long action, void *arg)
{
	if (action == MEM_OFFLINE && READ_ONCE(leak_per) == LEAK_OFFLINE)
		leak_now();
	return NOTIFY_OK;
}

static struct notifier_block leak_nb = { .notifier_call = leak_mem_cb };

static void leak_work_fn(struct work_struct *w)
{
	while (atomic_dec_if_positive(&leak_pending) >= 0)
		leak_now();
}

static DECLARE_WORK(leak_work, leak_work_fn);

/* kprobe context is atomic: the allocation runs from the work item right after */
static int leak_kp_pre(struct kprobe *kp, struct pt_regs *regs)
{
	if (READ_ONCE(leak_per) == LEAK_REMOVE) {
		atomic_inc(&leak_pending);
		schedule_work(&leak_work);
	}
	return 0;
}

static struct kprobe leak_kp = {
	.symbol_name = "remove_memory_block_devices",
	.pre_handler = leak_kp_pre,
};

static int notify_leak_show(struct seq_file *m, void *v)
{
	flush_work(&leak_work);
	seq_printf(m, "per=%s bytes=%lu events=%ld leaked=%ld failed=%ld\n",
		   leak_when[READ_ONCE(leak_per)], READ_ONCE(leak_bytes),
		   atomic_long_read(&leak_events), atomic_long_read(&leak_total),
		   atomic_long_read(&leak_failed));
	return 0;
}

static int notify_leak_open(struct inode *inode, struct file *file)
{
	return single_open(file, notify_leak_show, NULL);
}

static ssize_t notify_leak_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	unsigned long bytes;
	char buf[64], when[16];
	int per, ret = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%lu %15s", &bytes, when) != 2 || bytes > (64UL << 20))
		return -EINVAL;
	for (per = LEAK_OFF; per <= LEAK_REMOVE; per++)
		if (!strcmp(when, leak_when[per]))
			break;
	if (per > LEAK_REMOVE || (per != LEAK_OFF && !bytes))
		return -EINVAL;
	mutex_lock(&probe_lock);
	if (per == LEAK_OFFLINE && !leak_nb_on) {
		ret = register_memory_notifier(&leak_nb);
		leak_nb_on = !ret;
	} else if (per == LEAK_REMOVE && !leak_kp_on) {
		ret = register_kprobe(&leak_kp);
		leak_kp_on = !ret;
	}
	if (!ret) {
		WRITE_ONCE(leak_bytes, bytes);
		WRITE_ONCE(leak_per, per);
	}
	mutex_unlock(&probe_lock);
	return ret ? ret : len;
}

static const struct file_operations notify_leak_fops = {
	.owner = THIS_MODULE,
	.open = notify_leak_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = notify_leak_write,
};

/* ---- an unmovable kernel page in ZONE_MOVABLE on purpose ------------------------ */

#define MISPLACED_MAX 4
static struct page *misplaced[MISPLACED_MAX];
static int n_misplaced;

static int misplace_show(struct seq_file *m, void *v)
{
	int i;

	mutex_lock(&probe_lock);
	for (i = 0; i < n_misplaced; i++)
		seq_printf(m, "misplaced %lu\n", page_to_pfn(misplaced[i]));
	if (!n_misplaced)
		seq_puts(m, "none\n");
	mutex_unlock(&probe_lock);
	return 0;
}

static int misplace_open(struct inode *inode, struct file *file)
{
	return single_open(file, misplace_show, NULL);
}

/* One page from ZONE_MOVABLE (a movable allocation prefers it), typed as a page table. */
static ssize_t misplace_write(struct file *file, const char __user *ubuf, size_t len,
			      loff_t *ppos)
{
	struct page *tries[64];
	int n = 0, ret = -ENOSPC;

	mutex_lock(&probe_lock);
	while (n_misplaced < MISPLACED_MAX && n < ARRAY_SIZE(tries)) {
		struct page *p = alloc_page(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN);

		if (!p)
			break;
		if (page_zonenum(p) == ZONE_MOVABLE) {
			__SetPageTable(p);
			misplaced[n_misplaced++] = p;
			ret = 0;
			break;
		}
		tries[n++] = p;
	}
	while (n)
		__free_page(tries[--n]);
	mutex_unlock(&probe_lock);
	return ret ? ret : len;
}

static const struct file_operations misplace_fops = {
	.owner = THIS_MODULE,
	.open = misplace_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = misplace_write,
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

#ifdef CONFIG_PPC_BOOK3S_64
#include <asm/time.h>

static void timer_loss_cpu(void *unused)
{
	mtspr(SPRN_DEC, decrementer_max);
}
#endif

static ssize_t timer_loss_write(struct file *file, const char __user *ubuf, size_t len,
				loff_t *ppos)
{
#ifdef CONFIG_PPC_BOOK3S_64
	on_each_cpu(timer_loss_cpu, NULL, 1);
	return len;
#else
	return -EOPNOTSUPP;
#endif
}

static const struct file_operations timer_loss_fops = {
	.owner = THIS_MODULE,
	.write = timer_loss_write,
};

static int __init hpt_probe_init(void)
{
	frames_out = vzalloc(FRAMES_OUT_MAX);
	if (!frames_out)
		return -ENOMEM;
	probe_dir = debugfs_create_dir("hpt_probe", NULL);
	debugfs_create_file("range", 0600, probe_dir, NULL, &range_fops);
	debugfs_create_file("frames", 0600, probe_dir, NULL, &frames_fops);
	debugfs_create_file("notify_leak", 0600, probe_dir, NULL, &notify_leak_fops);
	debugfs_create_file("misplace", 0600, probe_dir, NULL, &misplace_fops);
	debugfs_create_file("leak", 0200, probe_dir, NULL, &leak_fops);
	debugfs_create_file("timer_loss", 0200, probe_dir, NULL, &timer_loss_fops);
	return 0;
}

static void __exit hpt_probe_exit(void)
{
	debugfs_remove_recursive(probe_dir);
	if (leak_kp_on)
		unregister_kprobe(&leak_kp);
	if (leak_nb_on)
		unregister_memory_notifier(&leak_nb);
	cancel_work_sync(&leak_work);
	while (n_held)
		put_page(held_pages[--n_held]);
	while (n_misplaced) {
		struct page *p = misplaced[--n_misplaced];

		__ClearPageTable(p);
		__free_page(p);
	}
	vfree(frames_out);
}

module_init(hpt_probe_init);
module_exit(hpt_probe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotplug-test: physical placement of a pfn range's memmap and its frames");
