/*
 * lib/snapshot.c against snapshots recorded in real guests (tests/fixtures, see its
 * README.md; HPT_FIXTURES overrides the root). Every recorded phase directory found must
 * load; the x86_64 Debian 6.1 DIMM sets are then checked phase by phase against the
 * values found in them, which are also the kernel 6.1 facts in ENVIRONMENT.md.
 * Guest: 512 MiB, 128 MiB blocks, one DIMM at 4 GiB (pfn 1048576) onlined movable.
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
#define FIRST_BLOCK 32u
#define MEMMAP_FLAGS (KPF_BIT(KPF_RESERVED) | KPF_BIT(KPF_OWNER_PRIVATE))
#define DEPTH_MAX 3

/* One recorded set and what it showed (tests/fixtures/README.md). */
static const struct fixture_set {
	const char *dir;
	const char *mom;		/* memmap_on_memory parameter */
	uint64_t dimm_mib;
	uint64_t memmap_pages;		/* struct pages on the DIMM itself */
	uint64_t managed;		/* Movable managed once online */
	uint64_t memtotal_delta_kb;	/* MemTotal online - baseline */
} sets[] = {
	{ "x86_64-deb6.1-dimm128-mom", "Y", 128, 512, 32256, 129024 },
	{ "x86_64-deb6.1-dimm128-nomom", "N", 128, 0, 32768, 131072 },
	{ "x86_64-deb6.1-dimm256-mom", "Y", 256, 0, 65536, 262144 },
};

enum { BASELINE, PLUGGED, ONLINE, PRESSURE, OFFLINE, UNPLUGGED, N_PHASES };
static const char *const phases[N_PHASES] = {
	"baseline", "plugged", "online", "after-pressure", "offline", "unplugged",
};

static const char *root(void)
{
	const char *e = getenv("HPT_FIXTURES");

	return e && *e ? e : "tests/fixtures";
}

static uint64_t meminfo(const struct snapshot *s, const char *key)
{
	uint64_t v = UINT64_MAX;

	snap_meminfo(s, key, &v);
	return v;
}

static const struct zone_stat *movable(const struct snapshot *s)
{
	static const struct zone_stat none = { .name = "missing", .present = UINT64_MAX };
	const struct zone_stat *z = snap_zone(s, 0, "Movable");

	return z ? z : &none;
}

static uint64_t flags_of(const struct snapshot *s, uint64_t pfn)
{
	uint64_t f = UINT64_MAX;

	snap_kpage(s, pfn, &f, NULL);
	return f;
}

/* Every pfn of [pfn, pfn + n) is covered and has exactly these flags. */
static int flags_all(const struct snapshot *s, uint64_t pfn, uint64_t n, uint64_t want)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		if (flags_of(s, pfn + i) != want)
			return 0;
	return 1;
}

/* Same present/spanned/managed in every zone and the same MemTotal. */
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

/* The DIMM's blocks all in this state and zone (NULL: all absent). */
static int dimm_blocks(const struct snapshot *s, unsigned n, enum block_state st,
		       const char *zone)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		const struct mem_block *b = snap_block(s, FIRST_BLOCK + i);

		if (zone ? !b || b->state != st || strcmp(b->zone, zone) : b != NULL)
			return 0;
	}
	return 1;
}

/* The same files as one bundle must give the same model as the directory. */
static int bundle_matches(const char *dir, const struct snapshot *d)
{
	static const char *const files[] = { "meminfo", "vmstat", "zoneinfo", "iomem", "blocks",
					     "kpage", "params", "dmesg" };
	struct strbuf b = STRBUF_INIT, f = STRBUF_INIT;
	struct snapshot s;
	char path[1100], err[256];
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

struct walk {
	int n, good, bad_bundle;
};

/* Loads every directory holding a meminfo file, down to DEPTH_MAX levels. */
static void walk(const char *dir, int depth, struct walk *w)
{
	struct dirent **ents = NULL;
	struct stat st;
	char path[1024];
	int n, i;

	snprintf(path, sizeof(path), "%s/meminfo", dir);
	if (stat(path, &st) == 0) {
		struct snapshot s;
		char err[1200], kernel[64];
		uint64_t v;
		int r;

		w->n++;
		r = snapshot_load_dir(&s, dir, err, sizeof(err));
		if (r) {
			ok(0, "load %s: %s", dir, err);
			return;
		}
		w->good += s.n_meminfo > 0 && s.n_zones > 0 && s.block_size > 0 && s.n_blocks > 0 &&
			   snap_param(&s, "kernel", kernel, sizeof(kernel)) == 0 && kernel[0] &&
			   snap_param_num(&s, "page_size", &v) == 0 &&
			   !strcmp(s.name, strrchr(dir, '/') + 1);
		w->bad_bundle += !bundle_matches(dir, &s);
		snapshot_free(&s);
		return;
	}
	if (depth == DEPTH_MAX || (n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			walk(path, depth + 1, w);
		free(ents[i]);
	}
	free(ents);
}

static void every_phase(void)
{
	struct walk w = { 0 };
	struct stat st;

	ok(stat(root(), &st) == 0, "fixtures under %s (run from the top directory)", root());
	walk(root(), 0, &w);
	ok(w.n >= 18 && w.good == w.n, "%d of %d recorded snapshots load with blocks, zones, "
	   "kernel and page_size", w.good, w.n);
	ok(w.n && !w.bad_bundle, "the same files as a bundle give the same model (%d differ)",
	   w.bad_bundle);
}

static void check_set(const struct fixture_set *f, struct snapshot *p)
{
	const char *d = f->dir + strlen("x86_64-deb6.1-");
	uint64_t pages = f->dimm_mib * MiB / 4096, end = DIMM_BASE + f->dimm_mib * MiB - 1;
	unsigned nb = (unsigned)(pages / BLOCK_PAGES);
	uint64_t ram = snap_iomem_bytes(&p[BASELINE], "System RAM", 0, UINT64_MAX);
	char buf[64];

	ok(snap_param(&p[BASELINE], "memmap_on_memory", buf, sizeof(buf)) == 0 &&
	   !strcmp(buf, f->mom), "%s: memmap_on_memory=%s", d, f->mom);
	ok(snap_param(&p[BASELINE], "kernel", buf, sizeof(buf)) == 0 &&
	   !strcmp(buf, "6.1.0-56-amd64"), "%s: kernel %s", d, buf);
	ok(movable(&p[BASELINE])->present == 0 && p[BASELINE].n_blocks == 4 &&
	   snap_block(&p[BASELINE], 0) && !strcmp(snap_block(&p[BASELINE], 0)->zone, "none"),
	   "%s baseline: blocks 0-3 (block 0 spans zones: \"none\"), no Movable pages", d);
	ok(snap_iomem_bytes(&p[BASELINE], "System RAM", DIMM_BASE, end) == 0,
	   "%s baseline: no System RAM at 4 GiB", d);

	ok(dimm_blocks(&p[PLUGGED], nb, BLOCK_OFFLINE, "-"), "%s plugged: %u blocks offline", d, nb);
	ok(flags_all(&p[PLUGGED], DIMM_PFN, pages, KPF_BIT(KPF_NOPAGE)),
	   "%s plugged: %llu pfns read NOPAGE", d, (unsigned long long)pages);
	ok(meminfo(&p[PLUGGED], "MemTotal") == meminfo(&p[BASELINE], "MemTotal"),
	   "%s plugged: MemTotal unchanged", d);
	ok(snap_iomem_bytes(&p[PLUGGED], "System RAM", DIMM_BASE, end) == f->dimm_mib * MiB,
	   "%s plugged: iomem already holds the System RAM range", d);

	ok(dimm_blocks(&p[ONLINE], nb, BLOCK_ONLINE, "Movable"), "%s online: blocks movable", d);
	ok(movable(&p[ONLINE])->present == pages && movable(&p[ONLINE])->spanned == pages &&
	   movable(&p[ONLINE])->managed == f->managed,
	   "%s online: Movable present %llu managed %llu (got %llu)", d,
	   (unsigned long long)pages, (unsigned long long)f->managed,
	   (unsigned long long)movable(&p[ONLINE])->managed);
	ok(f->managed == pages - f->memmap_pages, "%s: managed = present - memmap", d);
	ok(meminfo(&p[ONLINE], "MemTotal") - meminfo(&p[BASELINE], "MemTotal") ==
	   f->memtotal_delta_kb, "%s online: MemTotal +%llu kB", d,
	   (unsigned long long)f->memtotal_delta_kb);
	ok(flags_all(&p[ONLINE], DIMM_PFN, f->memmap_pages, MEMMAP_FLAGS) &&
	   !(flags_of(&p[ONLINE], DIMM_PFN + f->memmap_pages) & KPF_BIT(KPF_RESERVED)),
	   "%s online: first %llu pfns read 0x%llx, then ordinary pages (0x%llx)", d,
	   (unsigned long long)f->memmap_pages, (unsigned long long)MEMMAP_FLAGS,
	   (unsigned long long)flags_of(&p[ONLINE], DIMM_PFN + f->memmap_pages));
	ok(flags_of(&p[ONLINE], DIMM_PFN + pages - 1) == KPF_BIT(KPF_BUDDY),
	   "%s online: last pfn is a free buddy page", d);
	ok(snap_iomem_bytes(&p[ONLINE], "System RAM", DIMM_BASE, end) == f->dimm_mib * MiB,
	   "%s online: %llu MiB of System RAM over the DIMM", d,
	   (unsigned long long)f->dimm_mib);

	ok(same_layout(&p[ONLINE], &p[PRESSURE]) &&
	   flags_all(&p[PRESSURE], DIMM_PFN, f->memmap_pages, MEMMAP_FLAGS),
	   "%s after pressure: zones and memmap pfns unchanged", d);

	ok(dimm_blocks(&p[OFFLINE], nb, BLOCK_OFFLINE, "-") && movable(&p[OFFLINE])->present == 0,
	   "%s offline: blocks offline, Movable empty", d);
	ok(flags_all(&p[OFFLINE], DIMM_PFN, pages, KPF_BIT(KPF_NOPAGE)) &&
	   same_layout(&p[BASELINE], &p[OFFLINE]),
	   "%s offline: pfns NOPAGE, zones and MemTotal as at baseline", d);
	ok(snap_iomem_bytes(&p[OFFLINE], "System RAM", DIMM_BASE, end) == f->dimm_mib * MiB,
	   "%s offline: the range stays in iomem until unplug", d);

	ok(same_layout(&p[BASELINE], &p[UNPLUGGED]) && dimm_blocks(&p[UNPLUGGED], nb, 0, NULL),
	   "%s unplugged: blocks gone, zones and MemTotal back exactly", d);
	ok(snap_iomem_bytes(&p[UNPLUGGED], "System RAM", DIMM_BASE, end) == 0 &&
	   snap_iomem_bytes(&p[UNPLUGGED], "System RAM", 0, UINT64_MAX) == ram,
	   "%s unplugged: no System RAM over the DIMM, %llu bytes in all as at baseline", d,
	   (unsigned long long)ram);
	ok(flags_all(&p[UNPLUGGED], DIMM_PFN, pages, KPF_BIT(KPF_NOPAGE)),
	   "%s unplugged: pfns still read NOPAGE", d);
}

static void one_set(const struct fixture_set *f)
{
	struct snapshot p[N_PHASES];
	char dir[512], err[700];
	int i, n = 0;

	for (i = 0; i < N_PHASES; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/%s", root(), f->dir, phases[i]);
		if (snapshot_load_dir(&p[i], dir, err, sizeof(err))) {
			ok(0, "load %s", err);
			break;
		}
		n++;
	}
	if (n == N_PHASES)
		check_set(f, p);
	for (i = 0; i < n; i++)
		snapshot_free(&p[i]);
}

int main(void)
{
	size_t i;

	every_phase();
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
		one_set(&sets[i]);
	return done();
}
