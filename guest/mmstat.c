/* The "mm" file of a snapshot: the state of the subsystems the busy-guest workloads use,
 * "key value" lines (format in lib/snapshot.h): every zram device's disksize and mm_stat,
 * zsmalloc pages per zone, zswap's switch and debugfs counters (there once zswap is set
 * up: at boot on 6.1, since 6.4 when first enabled), active swap devices. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include "agent.h"

static const char *const mm_stat_names[] = { "orig_data_size", "compr_data_size",
	"mem_used_total", "mem_limit", "mem_used_max", "same_pages", "pages_compacted",
	"huge_pages", "huge_pages_since" };

static const char *const zswap_counters[] = { "stored_pages", "pool_total_size",
	"written_back_pages", "pool_limit_hit", "reject_reclaim_fail", "reject_alloc_fail",
	"reject_kmemcache_fail", "reject_compress_fail", "reject_compress_poor",
	"duplicate_entry", "same_filled_pages" };

static void zram(const char *name, struct strbuf *sb)
{
	unsigned long long v[9];
	char path[300], buf[256];
	int n;

	snprintf(path, sizeof(path), "/sys/block/%s/disksize", name);
	if (ag_read_str(path, buf, sizeof(buf)) == 0)
		sb_addf(sb, "%s.disksize %s\n", name, buf);
	snprintf(path, sizeof(path), "/sys/block/%s/mm_stat", name);
	if (ag_read_str(path, buf, sizeof(buf)))
		return;
	n = sscanf(buf, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
		   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]);
	for (int i = 0; i < n; i++)
		sb_addf(sb, "%s.%s %llu\n", name, mm_stat_names[i], v[i]);
}

/* zsmalloc pages per zone ("zspages.NODE.ZONE N"): where zram's and zswap's pools are. */
static void zone_zspages(struct strbuf *sb)
{
	FILE *f = fopen("/proc/zoneinfo", "re");
	char line[256], zone[32] = "";
	int node = -1;

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long v;

		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2)
			continue;
		if (zone[0] && sscanf(line, " nr_zspages %llu", &v) == 1)
			sb_addf(sb, "zspages.%d.%s %llu\n", node, zone, v);
	}
	if (f)
		fclose(f);
}

int ag_mm_stats(struct strbuf *sb)
{
	DIR *d = opendir("/sys/block");
	struct dirent *e;
	char buf[64], path[96], line[256];
	int devices = 0, swaps = -1;
	FILE *f;

	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, "zram", 4) && strlen(e->d_name) < 16) {
			zram(e->d_name, sb);
			devices++;
		}
	if (d)
		closedir(d);
	sb_addf(sb, "zram.devices %d\n", devices);
	zone_zspages(sb);
	if (ag_read_str("/sys/module/zswap/parameters/enabled", buf, sizeof(buf)) == 0)
		sb_addf(sb, "zswap.enabled %d\n", buf[0] == 'Y');
	for (size_t i = 0; i < sizeof(zswap_counters) / sizeof(zswap_counters[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/zswap/%s", zswap_counters[i]);
		if (ag_read_str(path, buf, sizeof(buf)) == 0)
			sb_addf(sb, "zswap.%s %s\n", zswap_counters[i], buf);
	}
	f = fopen("/proc/swaps", "re");
	while (f && fgets(line, sizeof(line), f))
		swaps++;
	if (f)
		fclose(f);
	return sb_addf(sb, "swap.devices %d\n", swaps < 0 ? 0 : swaps);
}
