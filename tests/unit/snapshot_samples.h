/*
 * Hand-written snapshot files in the Linux 6.1 layout (abridged) and malformed inputs
 * with the exact error each must produce. Included by test_snapshot.c only.
 */
#ifndef HPT_SNAPSHOT_SAMPLES_H
#define HPT_SNAPSHOT_SAMPLES_H
#include <errno.h>
#include <stddef.h>

static const char sample_meminfo[] =
	"MemTotal:         467956 kB\n"
	"MemFree:          417520 kB\n"
	"MemAvailable:     410000 kB\n"
	"Active(anon):         12 kB\n"
	"HugePages_Total:       0\n"
	"Hugepagesize:       2048 kB\n";

static const char sample_vmstat[] =
	"nr_free_pages 104380\n"
	"nr_zone_inactive_anon 3\n"
	"pgfault 12345\n"
	"compact_success 0\n";

/* 6.1 mm/vmstat.c zoneinfo_show_print(); Device is cut short on purpose. */
static const char sample_zoneinfo[] =
	"Node 0, zone      DMA\n"
	"  per-node stats\n"
	"      nr_inactive_anon 3\n"
	"      nr_active_anon 12\n"
	"  pages free     3840\n"
	"        boost    0\n"
	"        min      23\n"
	"        low      28\n"
	"        high     33\n"
	"        spanned  4095\n"
	"        present  3998\n"
	"        managed  3840\n"
	"        cma      0\n"
	"        protection: (0, 433, 433, 433, 433)\n"
	"      nr_free_pages 3840\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count: 0\n"
	"              high:  0\n"
	"              batch: 1\n"
	"  vm stats threshold: 2\n"
	"  node_unreclaimable:  0\n"
	"  start_pfn:           1\n"
	"Node 0, zone    DMA32\n"
	"  pages free     100912\n"
	"        boost    0\n"
	"        min      2700\n"
	"        spanned  1044480\n"
	"        present  126944\n"
	"        managed  111017\n"
	"        cma      0\n"
	"        protection: (0, 0, 0, 0, 0)\n"
	"Node 0, zone   Normal\n"
	"  pages free     0\n"
	"        boost    0\n"
	"        spanned  0\n"
	"        present  0\n"
	"        managed  0\n"
	"        protection: (0, 0, 0, 0, 0)\n"
	"Node 0, zone  Movable\n"
	"  pages free     32000\n"
	"        boost    0\n"
	"        spanned  32768\n"
	"        present  32768\n"
	"        managed  32256\n"
	"  pagesets\n"
	"    cpu: 0\n"
	"              count: 0\n"
	"              high:  0\n"
	"  start_pfn:           1048576\n"
	"Node 0, zone   Device\n"
	"  pages free     0\n"
	"        present  0\n";

static const char sample_iomem[] =
	"00000000-00000fff : Reserved\n"
	"00001000-0009ffff : System RAM\n"
	"00100000-1fffffff : System RAM\n"
	"  01000000-01e03fff : Kernel code\n"
	"fd000000-fdffffff : PCI Bus 0000:00\n"
	"  fd000000-fdffffff : 0000:00:02.0\n"
	"    fd000000-fdffffff : bochs-drm\n"
	"100000000-107ffffff : System RAM\n"
	"200000000-2000fffff : 01234567890123456789012345678901234567890123456789012345678901234567"
	"89\n";

static const char sample_blocks[] =
	"block_size 134217728\n"
	"0 online DMA\n"
	"1 online DMA32\n"
	"32 online Movable\n"
	"33 going-offline Movable\n"
	"34 offline -\n"
	"35 absent -\n";

static const char sample_kpage[] =
	"1048576 512 0x2100000000 0\n"
	"1049088 2 0x400 0\n"
	"1049090 1 400 0\n";

static const char sample_params[] =
	"memmap_on_memory=Y\n"
	"auto_online_blocks=offline\n"
	"\n"
	"block_size=0x8000000\n"
	"page_size=4096\n"
	"cmdline=console=ttyS0 memory_hotplug.memmap_on_memory=1 x=a=b\n"
	"kernel=6.1.0-56-amd64";

struct bad_case {
	const char *file, *text;
	size_t len;		/* 0 = strlen(text) */
	int r;
	const char *err;
};

#define P (-EPROTO)
static const struct bad_case bad_cases[] = {
	{ "meminfo", "MemTotal 1 kB\n", 0, P, "meminfo:1: missing ':'" },
	{ "meminfo", "A: 1 kB\nMemFree:\n", 0, P, "meminfo:2: missing value" },
	{ "meminfo", "A: 1 kB\nMemFree:", 0, P, "meminfo:2: missing value" },
	{ "meminfo", "MemFree: 12x kB", 0, P, "meminfo:1: bad value: 12x" },
	{ "meminfo", "MemFree: 1 MB", 0, P, "meminfo:1: unexpected MB after the value" },
	{ "meminfo", "MemFree: 1 kB extra", 0, P, "meminfo:1: unexpected extra after the value" },
	{ "meminfo", "MemFree: 99999999999999999999 kB", 0, P,
	  "meminfo:1: value out of range: 99999999999999999999" },
	{ "meminfo", "MemFree: -1 kB", 0, P, "meminfo:1: bad value: -1" },
	{ "meminfo", ": 1 kB", 0, P, "meminfo:1: missing key" },
	{ "meminfo", "Mem Free: 1 kB", 0, P, "meminfo:1: bad key: Mem?Free" },
	{ "meminfo", "A\0B: 1 kB", 9, P, "meminfo:1: bad key: A?B" },
	{ "meminfo", "MemFree: 1\0 kB", 14, P, "meminfo:1: bad value: 1?" },
	{ "meminfo", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: 1", 0, P,
	  "meminfo:1: key too long: AAAAAAAAAAAAAAAAAAAAAAAAAAAA..." },
	{ "meminfo", "MemTotal: 1 kB\nMemFree: 2 kB\nMemTotal: 3 kB\n", 0, P,
	  "meminfo:3: duplicate key MemTotal" },

	{ "vmstat", "nr_free_pages\n", 0, P, "vmstat:1: missing value" },
	{ "vmstat", "a 1\n\nb 1 2\n", 0, P, "vmstat:3: unexpected 2 after the value" },
	{ "vmstat", "a b", 0, P, "vmstat:1: bad value: b" },
	{ "vmstat", "a 0x", 0, P, "vmstat:1: bad value: 0x" },
	{ "vmstat", "a 18446744073709551616", 0, P,
	  "vmstat:1: value out of range: 18446744073709551616" },
	{ "vmstat", "a\x01 1", 0, P, "vmstat:1: bad key: a?" },

	{ "zoneinfo", "  pages free 1\n", 0, P, "zoneinfo:1: expected \"Node N, zone NAME\"" },
	{ "zoneinfo", "Node 0 zone DMA\n", 0, P, "zoneinfo:1: expected \"Node N, zone NAME\"" },
	{ "zoneinfo", "Node 0, zone\n", 0, P, "zoneinfo:1: expected \"Node N, zone NAME\"" },
	{ "zoneinfo", "Node 0, zone DMA x\n", 0, P, "zoneinfo:1: expected \"Node N, zone NAME\"" },
	{ "zoneinfo", "Node ,, zone DMA\n", 0, P, "zoneinfo:1: bad node: ," },
	{ "zoneinfo", "Node x, zone DMA\n", 0, P, "zoneinfo:1: bad node: x" },
	{ "zoneinfo", "Node 99999, zone DMA\n", 0, P, "zoneinfo:1: node out of range: 99999" },
	{ "zoneinfo", "Node 0, zone VeryLongZoneName16\n", 0, P,
	  "zoneinfo:1: zone name too long: VeryLongZoneName16" },
	{ "zoneinfo", "Node 0, zone DMA\n  pages free\n", 0, P,
	  "zoneinfo:2: pages free: expected one number" },
	{ "zoneinfo", "Node 0, zone DMA\n        present 12 13\n", 0, P,
	  "zoneinfo:2: present: expected one number" },
	{ "zoneinfo", "Node 0, zone DMA\n        present abc\n", 0, P,
	  "zoneinfo:2: bad present: abc" },
	{ "zoneinfo", "Node 0, zone DMA\n        managed 99999999999999999999\n", 0, P,
	  "zoneinfo:2: managed out of range: 99999999999999999999" },
	/* 2^52 + 1: beyond SNAP_MEM_MAX, so the oracles' int64 arithmetic cannot overflow */
	{ "zoneinfo", "Node 0, zone DMA\n        present 4503599627370497\n", 0, P,
	  "zoneinfo:2: present out of range: 4503599627370497" },
	{ "zoneinfo", "Node 0, zone DMA\n              count: 4294967296\n", 0, P,
	  "zoneinfo:2: count out of range: 4294967296" },
	{ "zoneinfo", "Node 0, zone DMA\n              count: 1 2\n", 0, P,
	  "zoneinfo:2: count: expected one number" },
	{ "meminfo", "MemTotal: 4503599627370497 kB\n", 0, P,
	  "meminfo:1: value out of range: 4503599627370497" },
	{ "vmstat", "pgfault 9223372036854775808\n", 0, P,
	  "vmstat:1: value out of range: 9223372036854775808" },
	{ "zoneinfo", "Node 0, zone DMA\n  present 1\n  present 2\n", 0, P,
	  "zoneinfo:3: duplicate present" },
	{ "zoneinfo", "Node 0, zone DMA\nNode 0, zone DMA\n", 0, P,
	  "zoneinfo:2: duplicate zone DMA of node 0" },
	{ "zoneinfo", "Node 0, zone DMA\n  pages free 1\n  spanned 5\n  present 4\n"
	  "Node 0, zone DMA32\n", 0, P, "zoneinfo:1: node 0 zone DMA: missing managed" },
	{ "zoneinfo", "Node 0, zone DMA\n  pages free 1\n  spanned 5\n  present 4\n  mana", 0, P,
	  "zoneinfo:1: node 0 zone DMA: missing managed" },
	{ "zoneinfo", "Node 0, zone DMA\n  managed 4\n", 0, P,
	  "zoneinfo:1: node 0 zone DMA: missing pages free" },

	{ "iomem", " 00000000-00000fff : Reserved", 0, P, "iomem:1: bad indentation (1 spaces)" },
	{ "iomem", "  00000000-00000fff : Reserved", 0, P, "iomem:1: bad indentation (2 spaces)" },
	{ "iomem", "00000000-00000fff : A\n    00000000-00000fff : B", 0, P,
	  "iomem:2: bad indentation (4 spaces)" },
	{ "iomem", "00000000-00000fff Reserved", 0, P, "iomem:1: expected \"start-end : name\"" },
	{ "iomem", "00000000 : Reserved", 0, P, "iomem:1: expected \"start-end : name\"" },
	{ "iomem", "00000000-", 0, P, "iomem:1: expected \"start-end : name\"" },
	{ "iomem", "00000000-00000fff :", 0, P, "iomem:1: expected \"start-end : name\"" },
	{ "iomem", "0000zz00-00000fff : Reserved", 0, P, "iomem:1: bad start address: 0000zz00" },
	{ "iomem", "-00000fff : X", 0, P, "iomem:1: missing start address" },
	{ "iomem", "0-0x : X", 0, P, "iomem:1: bad end address: 0x" },
	{ "iomem", "00001000-00000fff : X", 0, P, "iomem:1: start above end" },
	{ "iomem", "10000000000000000-1 : X", 0, P,
	  "iomem:1: bad start address: 10000000000000000" },
	{ "iomem", "0-1 : a\0b", 9, P, "iomem:1: nul byte in name" },

	{ "blocks", "0 online Normal\n", 0, P, "blocks:1: expected \"block_size <bytes>\"" },
	{ "blocks", "block_size x", 0, P, "blocks:1: bad block size: x" },
	{ "blocks", "block_size 0", 0, P, "blocks:1: block size is 0" },
	{ "blocks", "block_size 134217728\n0 online\n", 0, P,
	  "blocks:2: expected \"<index> <state> <zone>\"" },
	{ "blocks", "block_size 134217728\n0 online Normal x\n", 0, P,
	  "blocks:2: expected \"<index> <state> <zone>\"" },
	{ "blocks", "block_size 134217728\n0 up Normal", 0, P, "blocks:2: bad state: up" },
	{ "blocks", "block_size 134217728\n4294967296 online Normal", 0, P,
	  "blocks:2: block index out of range: 4294967296" },
	{ "blocks", "block_size 134217728\n-1 online Normal", 0, P,
	  "blocks:2: bad block index: -1" },
	{ "blocks", "block_size 134217728\n0 online VeryLongZoneName16", 0, P,
	  "blocks:2: zone too long: VeryLongZoneName16" },
	{ "blocks", "block_size 134217728\n1 online N\n\n1 offline -\n", 0, P,
	  "blocks:4: duplicate block 1" },

	{ "kpage", "1 2 3\n", 0, P, "kpage:1: expected \"<pfn> <count> <flags> <mapcount>\"" },
	{ "kpage", "1 1 0x400 0 5\n", 0, P, "kpage:1: expected \"<pfn> <count> <flags> <mapcount>\"" },
	{ "kpage", "x 1 0x400 0", 0, P, "kpage:1: bad pfn: x" },
	{ "kpage", "1 0 0x400 0", 0, P, "kpage:1: count is 0" },
	{ "kpage", "1 1 0xg 0", 0, P, "kpage:1: bad flags: 0xg" },
	{ "kpage", "1 1 0x 0", 0, P, "kpage:1: bad flags: 0x" },
	{ "kpage", "1 1 10000000000000000 0", 0, P, "kpage:1: bad flags: 10000000000000000" },
	{ "kpage", "18446744073709551615 2 0x400 0", 0, P, "kpage:1: count out of range: 2" },
	{ "kpage", "1 1 0x400 -1", 0, P, "kpage:1: bad mapcount: -1" },

	{ "params", "novalue\n", 0, P, "params:1: expected \"key=value\"" },
	{ "params", "=1", 0, P, "params:1: missing key" },
	{ "params", "a b=1", 0, P, "params:1: bad key: a?b" },
	{ "params", "a=1\nb=x\na=2", 0, P, "params:3: duplicate key a" },
	{ "params", "a=1\nb=2\0", 8, P, "params:2: nul byte" },
	{ "params", "key_that_is_much_longer_than_forty_seven_characters=1", 0, P,
	  "params:1: key too long: key_that_is_much_longer_than..." },
};
#undef P

#endif
