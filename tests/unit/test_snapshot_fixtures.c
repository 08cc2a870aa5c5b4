/*
 * lib/snapshot.c against snapshots recorded from real x86_64 Debian 6.1 guests
 * (tests/fixtures/x86_64-6.1.0/<scenario>/<NN-phase>/, made by tests/fixtures/record.sh;
 * HPT_FIXTURES overrides the root). The values asserted are the ones found in those
 * files; they are also the kernel 6.1 facts in ENVIRONMENT.md.
 * Guest: 512 MiB, 128 MiB blocks, DIMMs at 4 GiB (pfn 1048576) onlined movable.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "bundle.h"
#include "snapshot.h"
#include "strbuf.h"
#include "tap.h"

#define MiB (1ull << 20)
#define DIMM_BASE 0x100000000ull
#define DIMM_PFN 1048576ull
#define BLOCK_PAGES 32768ull
#define MEMMAP_PAGES 512ull		/* 128 MiB of struct pages / 4 KiB */
#define MEMMAP_FLAGS (KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_OWNER_PRIVATE))
#define PHASES_MAX 16

static const char *root(void)
{
	const char *e = getenv("HPT_FIXTURES");

	return e && *e ? e : "tests/fixtures/x86_64-6.1.0";
}

static int load(struct snapshot *s, const char *scn, const char *phase)
{
	char path[512], err[600];
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s", root(), scn, phase);
	r = snapshot_load_dir(s, path, err, sizeof(err));
	if (r)
		ok(0, "load %s: %s", path, err);
	return r;
}

static uint64_t meminfo(const struct snapshot *s, const char *key)
{
	uint64_t v = UINT64_MAX;

	snap_meminfo(s, key, &v);
	return v;
}

static const struct zone_stat *movable(const struct snapshot *s)
{
	static const struct zone_stat none = { .name = "missing" };
	const struct zone_stat *z = snap_zone(s, 0, "Movable");

	return z ? z : &none;
}

/* Every pfn of [pfn, pfn + n) is covered and has exactly these flags. */
static int flags_all(const struct snapshot *s, uint64_t pfn, uint64_t n, uint64_t want)
{
	uint64_t f, m, i;

	for (i = 0; i < n; i++)
		if (snap_kpage(s, pfn + i, &f, &m) || f != want)
			return 0;
	return 1;
}

static uint64_t flags_of(const struct snapshot *s, uint64_t pfn)
{
	uint64_t f = UINT64_MAX;

	snap_kpage(s, pfn, &f, NULL);
	return f;
}

/* Same present/spanned/managed in every zone, same MemTotal. */
static int same_layout(const struct snapshot *a, const struct snapshot *b)
{
	size_t i;

	if (a->n_zones != b->n_zones || meminfo(a, "MemTotal") != meminfo(b, "MemTotal"))
		return 0;
	for (i = 0; i < a->n_zones; i++) {
		const struct zone_stat *x = &a->zones[i], *y = snap_zone(b, x->node, x->name);

		if (!y || x->present != y->present || x->spanned != y->spanned ||
		    x->managed != y->managed)
			return 0;
	}
	return 1;
}

static int block_is(const struct snapshot *s, uint32_t idx, enum block_state st,
		    const char *zone)
{
	const struct mem_block *b = snap_block(s, idx);

	return b && b->state == st && !strcmp(b->zone, zone);
}

/* The same files as one bundle must give the same model as the directory. */
static int bundle_matches(const char *dir, const struct snapshot *d)
{
	static const char *const files[] = { "meminfo", "vmstat", "zoneinfo", "iomem", "blocks",
					     "kpage", "params", "dmesg" };
	struct strbuf b = STRBUF_INIT, f = STRBUF_INIT;
	struct snapshot s;
	char path[900], err[256];
	size_t i;
	int same;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		sb_reset(&f);
		if (sb_read_file(&f, path, SNAP_FILE_MAX) == 0)
			bundle_add(&b, files[i], f.buf, f.len);
	}
	same = snapshot_parse_bundle(&s, b.buf, b.len, err, sizeof(err)) == 0 &&
	       s.n_meminfo == d->n_meminfo && s.n_vmstat == d->n_vmstat &&
	       s.n_zones == d->n_zones && s.n_blocks == d->n_blocks &&
	       s.n_iomem == d->n_iomem && s.n_kpage == d->n_kpage &&
	       s.block_size == d->block_size && !strcmp(s.params, d->params) &&
	       !strcmp(s.dmesg, d->dmesg) &&
	       !memcmp(s.zones, d->zones, s.n_zones * sizeof(*s.zones)) &&
	       (!s.n_kpage || !memcmp(s.kpage, d->kpage, s.n_kpage * sizeof(*s.kpage)));
	snapshot_free(&s);
	sb_release(&b);
	sb_release(&f);
	return same;
}

/* Every recorded phase loads, looks like a 6.1 x86_64 guest, and bundles the same. */
static void every_phase(void)
{
	struct dirent **scns = NULL, **phases = NULL;
	int ns, np, i, k, n = 0, good = 0, bad_bundle = 0;
	char dir[512];

	ns = scandir(root(), &scns, NULL, alphasort);
	ok(ns > 0, "fixtures found under %s (%s)", root(), ns < 0 ? strerror(errno) : "ok");
	for (i = 0; i < ns; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root(), scns[i]->d_name);
		np = scns[i]->d_name[0] == '.' ? -1 : scandir(dir, &phases, NULL, alphasort);
		for (k = 0; k < np; k++) {
			struct snapshot s;
			struct stat st;
			char p[800];
			uint64_t v;

			snprintf(p, sizeof(p), "%s/%s", dir, phases[k]->d_name);
			if (phases[k]->d_name[0] == '.' || stat(p, &st) || !S_ISDIR(st.st_mode)) {
				free(phases[k]);
				continue;
			}
			n++;
			if (load(&s, scns[i]->d_name, phases[k]->d_name) == 0) {
				good += s.n_meminfo > 40 && s.n_vmstat > 100 && s.n_zones == 5 &&
					s.n_blocks >= 4 && s.block_size == 128 * MiB &&
					snap_param_num(&s, "page_size", &v) == 0 && v == 4096 &&
					!strcmp(s.name, phases[k]->d_name);
				bad_bundle += !bundle_matches(p, &s);
				snapshot_free(&s);
			}
			free(phases[k]);
		}
		free(phases);
		phases = NULL;
		free(scns[i]);
	}
	free(scns);
	ok(n >= 22 && good == n, "%d of %d recorded phases load as 6.1 x86_64 snapshots", good, n);
	ok(n && !bad_bundle, "bundles of the same files give the same model (%d differ)",
	   bad_bundle);
}

static void memmap_on_memory(void)
{
	static const char scn[] = "dimm-memmap-on-memory";
	struct snapshot base, plugged, online, compacted, final;
	char buf[64];

	if (load(&base, scn, "00-baseline") || load(&plugged, scn, "01-pre-online-d0") ||
	    load(&online, scn, "02-online-d0") || load(&compacted, scn, "03-vmemmap-d0") ||
	    load(&final, scn, "05-no-leak-final"))
		return;
	ok(snap_param(&base, "memmap_on_memory", buf, sizeof(buf)) == 0 && !strcmp(buf, "Y"),
	   "%s: memmap_on_memory=Y", scn);
	ok(snap_param(&base, "kernel", buf, sizeof(buf)) == 0 && !strcmp(buf, "6.1.0-56-amd64"),
	   "%s: kernel %s", scn, buf);
	ok(meminfo(&base, "MemTotal") == 402240, "baseline MemTotal 402240 kB");
	ok(movable(&base)->present == 0 && movable(&base)->managed == 0, "baseline: no Movable");
	ok(block_is(&base, 0, BLOCK_ONLINE, "none") && block_is(&base, 1, BLOCK_ONLINE, "DMA32") &&
	   base.n_blocks == 4, "baseline blocks 0-3, block 0 spans zones (\"none\")");
	ok(snap_iomem_bytes(&base, "System RAM", DIMM_BASE, DIMM_BASE + 128 * MiB - 1) == 0,
	   "baseline: no System RAM at 4 GiB");
	ok(snap_iomem_bytes(&base, "System RAM", 0, UINT64_MAX) == 536472576,
	   "baseline: 536472576 bytes of System RAM");

	ok(block_is(&plugged, 32, BLOCK_OFFLINE, "-"), "plugged: block 32 offline");
	ok(flags_all(&plugged, DIMM_PFN, BLOCK_PAGES, KPF_BIT(KPF_NOPAGE)),
	   "plugged: all 32768 pfns read NOPAGE");
	ok(meminfo(&plugged, "MemTotal") == meminfo(&base, "MemTotal"),
	   "plugged: MemTotal unchanged");
	ok(snap_iomem_bytes(&plugged, "System RAM", DIMM_BASE, DIMM_BASE + 128 * MiB - 1) ==
	   128 * MiB, "plugged: iomem already has the System RAM range");

	ok(block_is(&online, 32, BLOCK_ONLINE, "Movable"), "online: block 32 online movable");
	ok(movable(&online)->present == 32768 && movable(&online)->spanned == 32768 &&
	   movable(&online)->managed == 32256, "online: Movable present 32768 managed 32256");
	ok(meminfo(&online, "MemTotal") - meminfo(&base, "MemTotal") == 126 * 1024,
	   "online: MemTotal +126 MiB");
	ok(flags_all(&online, DIMM_PFN, MEMMAP_PAGES, MEMMAP_FLAGS) &&
	   MEMMAP_FLAGS == 0x2100000000ull, "online: pfns 1048576-1049087 read 0x2100000000");
	ok(!(flags_of(&online, DIMM_PFN + MEMMAP_PAGES) & KPF_BIT(KPF_RESERVED)),
	   "online: pfn 1049088 is ordinary (0x%llx)",
	   (unsigned long long)flags_of(&online, DIMM_PFN + MEMMAP_PAGES));
	ok(flags_of(&online, DIMM_PFN + BLOCK_PAGES - 1) == KPF_BIT(KPF_BUDDY),
	   "online: last pfn of the DIMM is free (buddy)");
	ok(snap_iomem_bytes(&online, "System RAM", DIMM_BASE, DIMM_BASE + 128 * MiB - 1) ==
	   128 * MiB, "online: 128 MiB of System RAM over the DIMM");
	ok(flags_all(&compacted, DIMM_PFN, MEMMAP_PAGES, MEMMAP_FLAGS),
	   "after compaction: memmap pfns unchanged");

	ok(same_layout(&base, &final), "unplugged: every zone and MemTotal back exactly");
	ok(snap_block(&final, 32) == NULL && final.n_blocks == 4, "unplugged: block 32 gone");
	ok(snap_iomem_bytes(&final, "System RAM", DIMM_BASE, DIMM_BASE + 128 * MiB - 1) == 0 &&
	   snap_iomem_bytes(&final, "System RAM", 0, UINT64_MAX) == 536472576,
	   "unplugged: System RAM over the DIMM 0, total as at baseline");
	ok(final.n_kpage == 0, "unplugged: no kpage ranges asked");
	snapshot_free(&base);
	snapshot_free(&plugged);
	snapshot_free(&online);
	snapshot_free(&compacted);
	snapshot_free(&final);
}

static void memmap_off(void)
{
	static const char scn[] = "dimm-memmap-off";
	struct snapshot base, online, final;
	char buf[8];

	if (load(&base, scn, "00-baseline") || load(&online, scn, "02-online-d0") ||
	    load(&final, scn, "03-no-leak-final"))
		return;
	ok(snap_param(&base, "memmap_on_memory", buf, sizeof(buf)) == 0 && !strcmp(buf, "N"),
	   "%s: memmap_on_memory=N", scn);
	ok(movable(&online)->present == 32768 && movable(&online)->managed == 32768,
	   "%s: Movable present = managed = 32768", scn);
	ok(meminfo(&online, "MemTotal") - meminfo(&base, "MemTotal") == 128 * 1024,
	   "%s: MemTotal +128 MiB", scn);
	ok(!(flags_of(&online, DIMM_PFN) & KPF_BIT(KPF_RESERVED)),
	   "%s: first pfn not reserved (0x%llx)", scn,
	   (unsigned long long)flags_of(&online, DIMM_PFN));
	ok(same_layout(&base, &final), "%s: layout back after unplug", scn);
	snapshot_free(&base);
	snapshot_free(&online);
	snapshot_free(&final);
}

static void multiblock(void)
{
	static const char scn[] = "dimm-multiblock";
	struct snapshot base, online, final;

	if (load(&base, scn, "00-baseline") || load(&online, scn, "02-online-d0") ||
	    load(&final, scn, "03-no-leak-final"))
		return;
	ok(block_is(&online, 32, BLOCK_ONLINE, "Movable") &&
	   block_is(&online, 33, BLOCK_ONLINE, "Movable"), "%s: blocks 32-33 online movable", scn);
	ok(movable(&online)->present == 65536 && movable(&online)->managed == 65536,
	   "%s: 256 MiB DIMM, memmap not on it (present = managed = 65536)", scn);
	ok(meminfo(&online, "MemTotal") - meminfo(&base, "MemTotal") == 256 * 1024,
	   "%s: MemTotal +256 MiB", scn);
	ok(!(flags_of(&online, DIMM_PFN) & KPF_BIT(KPF_RESERVED)), "%s: first pfn not reserved",
	   scn);
	ok(snap_iomem_bytes(&online, "System RAM", DIMM_BASE, DIMM_BASE + 256 * MiB - 1) ==
	   256 * MiB, "%s: 256 MiB of System RAM over the DIMM", scn);
	ok(same_layout(&base, &final), "%s: layout back after unplug", scn);
	snapshot_free(&base);
	snapshot_free(&online);
	snapshot_free(&final);
}

/* d0 128 MiB at pfn 1048576, d1 128 MiB at 1081344, d2 256 MiB at 1114112. */
static void reverse_teardown(void)
{
	static const char scn[] = "dimm-reverse-teardown";
	struct snapshot base, d1, all, final;

	if (load(&base, scn, "00-baseline") || load(&d1, scn, "04-online-d1") ||
	    load(&all, scn, "06-online-d2") || load(&final, scn, "07-no-leak-final"))
		return;
	ok(movable(&d1)->present == 65536 && movable(&d1)->managed == 64512,
	   "%s: two 128 MiB DIMMs: managed = present - 2 * 512", scn);
	ok(movable(&all)->present == 131072 && movable(&all)->managed == 130048,
	   "%s: plus 256 MiB: no memmap on the 256 MiB DIMM", scn);
	ok(flags_all(&all, DIMM_PFN + BLOCK_PAGES, MEMMAP_PAGES, MEMMAP_FLAGS),
	   "%s: d1 starts with its memmap", scn);
	ok(flags_all(&all, DIMM_PFN + 2 * BLOCK_PAGES, 2 * BLOCK_PAGES, KPF_BIT(KPF_BUDDY)),
	   "%s: d2 all free buddy pages", scn);
	ok(block_is(&all, 35, BLOCK_ONLINE, "Movable") && all.n_blocks == 8,
	   "%s: blocks 32-35 online", scn);
	ok(snap_iomem_bytes(&all, "System RAM", DIMM_BASE, UINT64_MAX) == 512 * MiB,
	   "%s: 512 MiB of System RAM above 4 GiB", scn);
	ok(same_layout(&base, &final) &&
	   snap_iomem_bytes(&final, "System RAM", DIMM_BASE, UINT64_MAX) == 0,
	   "%s: layout back after tearing down in reverse", scn);
	snapshot_free(&base);
	snapshot_free(&d1);
	snapshot_free(&all);
	snapshot_free(&final);
}

int main(void)
{
	every_phase();
	memmap_on_memory();
	memmap_off();
	multiblock();
	reverse_teardown();
	return done();
}
