/*
 * The snapshot model: what the guest's memory looked like at one moment, parsed from
 * the files of a snapshot bundle (see guest/README section "snapshot") or from a
 * directory holding the same files (recorded fixtures, a run dir's snapshots/<name>/).
 *
 * Files: meminfo, zoneinfo, vmstat, iomem (raw /proc copies), blocks, kpage, params,
 * dmesg (agent-made, formats below).
 *   blocks:  first line "block_size <bytes>", then "<index> <state> <zone>" per memory
 *            block, state online|offline|going-offline, zone = first word of valid_zones
 *            when online, "-" otherwise. A block removed while the agent listed them
 *            reads "absent" and is skipped.
 *   kpage:   "<pfn> <count> <flags-hex> <mapcount>" runs of consecutive pfns sharing
 *            /proc/kpageflags and /proc/kpagecount values, for the requested ranges.
 *   params:  "key=value" lines (memmap_on_memory, auto_online_blocks, kernel, cmdline…).
 *   mm:      "key value" lines about the subsystems the busy-guest workloads use:
 *            zramN.disksize and zramN.<mm_stat field> per zram device, zram.devices,
 *            zspages.<node>.<zone> (nr_zspages of each zone in /proc/zoneinfo),
 *            zswap.enabled (0/1) and zswap.<debugfs counter> (since 6.4 only once zswap
 *            was first enabled: it sets itself up then), swap.devices (active).
 *   dmesg:   kernel log lines read since the previous read, "[sec.usec] <msg>".
 */
#ifndef HPT_SNAPSHOT_H
#define HPT_SNAPSHOT_H
#include <stddef.h>
#include <stdint.h>

/* /proc/kpageflags bits (include/uapi/linux/kernel-page-flags.h). */
#define KPF_LRU 5
#define KPF_SLAB 7
#define KPF_BUDDY 10
#define KPF_NOPAGE 20
#define KPF_OFFLINE 23
#define KPF_PGTABLE 26
#define KPF_RESERVED 32
#define KPF_OWNER_PRIVATE 37
#define KPF_BIT(b) (1ull << (b))

/* Bounds on what one snapshot may hold; beyond them parsing fails with -E2BIG. */
#define SNAP_KV_MAX 1024	/* meminfo keys, vmstat keys (each) */
#define SNAP_ZONES_MAX 256
#define SNAP_BLOCKS_MAX 4096
#define SNAP_IOMEM_MAX 4096
#define SNAP_KPAGE_MAX 65536
#define SNAP_PARAMS_MAX 1024	/* params lines */
#define SNAP_FILE_MAX (16u << 20)	/* bytes per file (-EFBIG) */
/* Largest meminfo value (kB) and zone counter (pages) accepted: 2^52 is more memory than
 * any guest has, and keeps the oracles' int64 sums, differences and byte products of
 * what the (untrusted) guest says from overflowing. vmstat/mm values: INT64_MAX. */
#define SNAP_MEM_MAX (1ull << 52)

struct kv {
	char key[48];
	uint64_t val;
};

struct zone_stat {
	int node;
	char name[16];		/* "DMA", "DMA32", "Normal", "Movable", "Device" */
	uint64_t free, present, spanned, managed;	/* pages */
	uint64_t pcp;		/* pages on the per-cpu lists ("count:" of every pageset): free
				 * pages that MemFree and "pages free" do not count */
};

enum block_state { BLOCK_OFFLINE, BLOCK_ONLINE, BLOCK_GOING_OFFLINE };

struct mem_block {
	uint32_t index;
	enum block_state state;
	char zone[16];		/* "-" when offline */
};

struct kpage_run {
	uint64_t pfn, count, flags, mapcount;
};

struct iomem_range {
	uint64_t start, end;	/* inclusive, as /proc/iomem prints */
	int depth;		/* indentation level / 2 */
	char name[64];
};

struct snapshot {
	char name[32];
	struct kv *meminfo;	/* values in kB, as printed */
	size_t n_meminfo;
	struct kv *vmstat;
	size_t n_vmstat;
	struct kv *mm;		/* the "mm" file; empty in snapshots recorded before it */
	size_t n_mm;
	struct zone_stat *zones;
	size_t n_zones;
	uint64_t block_size;	/* bytes; 0 if unknown */
	struct mem_block *blocks;
	size_t n_blocks;
	struct iomem_range *iomem;
	size_t n_iomem;
	struct kpage_run *kpage;
	size_t n_kpage;
	struct kv *params_num;	/* numeric params only */
	size_t n_params_num;
	char *params;		/* raw params text, NUL-terminated ("" if absent) */
	char *dmesg;		/* raw, NUL-terminated ("" if absent) */
};

/* Parses a bundle payload. Missing files leave their parts empty. 0 or -EPROTO/-ENOMEM
 * with err filled ("zoneinfo:12: ..."). Both loaders initialise *s themselves (name
 * stays "" for a bundle, is the directory's basename for a directory); on error *s is
 * left freed and empty. -E2BIG when a bound above is exceeded. */
int snapshot_parse_bundle(struct snapshot *s, const char *payload, size_t len,
			  char *err, size_t errlen);
/* Loads the same files from a directory; errors name the path ("dir/zoneinfo:12: ..."). */
int snapshot_load_dir(struct snapshot *s, const char *dir, char *err, size_t errlen);
/* Parses one file by its bundle name into s (used by both loaders). s must be zeroed or
 * loaded; the file's part is replaced, and left empty on error. Unknown names: 0. */
int snapshot_parse_file(struct snapshot *s, const char *name, const char *data, size_t len,
			char *err, size_t errlen);
void snapshot_free(struct snapshot *s);

/* Lookups; return 0 and set *v, or -ENOENT. */
int snap_meminfo(const struct snapshot *s, const char *key, uint64_t *kb);
/* Free memory in kB as the allocator holds it: the zones' free pages plus the pages parked
 * on their per-cpu lists (which swing by megabytes between two identical moments), both
 * from the same /proc/zoneinfo read; MemFree only in a snapshot without zones. pcp_kb, if
 * not NULL, gets the second part. 0, or -ENOENT without them or the params' page_size. */
int snap_free_kb(const struct snapshot *s, uint64_t *kb, uint64_t *pcp_kb);
int snap_vmstat(const struct snapshot *s, const char *key, uint64_t *v);
int snap_mm(const struct snapshot *s, const char *key, uint64_t *v);
const struct zone_stat *snap_zone(const struct snapshot *s, int node, const char *name);
const struct mem_block *snap_block(const struct snapshot *s, uint32_t index);
/* Value of "key=" in params; copies into out. 0 or -ENOENT, -ERANGE if cut to fit. */
int snap_param(const struct snapshot *s, const char *key, char *out, size_t outlen);
/* Numeric value of a param ("page_size=4096"). 0 or -ENOENT. */
int snap_param_num(const struct snapshot *s, const char *key, uint64_t *v);
/* Flags and mapcount of one pfn from the kpage runs (sorted by pfn when parsed);
 * -ENOENT if not covered. */
int snap_kpage(const struct snapshot *s, uint64_t pfn, uint64_t *flags, uint64_t *mapcount);
/* Sum of the sizes of top-level iomem ranges named `name` that overlap [start, end],
 * each counted only for its part inside [start, end] (saturates at UINT64_MAX). */
uint64_t snap_iomem_bytes(const struct snapshot *s, const char *name, uint64_t start,
			  uint64_t end);

#endif
