/*
 * Unit tests for lib/snapshot.c: every parser on well-formed text in the 6.1 layout,
 * malformed input (error names file:line), bounds, bundles, directories, lookups,
 * and a mutation run that must never crash. Recorded guest snapshots are tested in
 * test_snapshot_fixtures.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bundle.h"
#include "snapshot.h"
#include "strbuf.h"
#include "tap.h"
#include "snapshot_samples.h"

static struct snapshot s;
static char err[512];

static int parse(const char *name, const char *text, size_t len)
{
	err[0] = '\0';
	return snapshot_parse_file(&s, name, text, len, err, sizeof(err));
}

static int parses(const char *name, const char *text)
{
	return parse(name, text, strlen(text));
}

static void well_formed(void)
{
	const struct zone_stat *z;
	uint64_t v = 0, f = 0, m = 0;
	char buf[64];
	int r;

	memset(&s, 0, sizeof(s));
	r = parses("meminfo", sample_meminfo);
	ok(r == 0 && s.n_meminfo == 6, "meminfo parsed (%d %s, %zu keys)", r, err, s.n_meminfo);
	ok(snap_meminfo(&s, "MemTotal", &v) == 0 && v == 467956, "MemTotal %llu kB",
	   (unsigned long long)v);
	ok(snap_meminfo(&s, "Active(anon)", &v) == 0 && v == 12, "key with parentheses");
	ok(snap_meminfo(&s, "HugePages_Total", &v) == 0 && v == 0, "value without kB");
	ok(snap_meminfo(&s, "Nope", &v) == -ENOENT, "missing meminfo key: -ENOENT");

	r = parses("vmstat", sample_vmstat);
	ok(r == 0 && s.n_vmstat == 4, "vmstat parsed (%d %s)", r, err);
	ok(snap_vmstat(&s, "nr_free_pages", &v) == 0 && v == 104380, "nr_free_pages");
	ok(snap_vmstat(&s, "nr_memmap_pages", &v) == -ENOENT, "no nr_memmap_pages in 6.1");

	r = parses("zoneinfo", sample_zoneinfo);
	ok(r == 0 && s.n_zones == 5, "zoneinfo parsed (%d %s, %zu zones)", r, err, s.n_zones);
	z = snap_zone(&s, 0, "DMA32");
	ok(z && z->free == 100912 && z->spanned == 1044480 && z->present == 126944 &&
	   z->managed == 111017, "DMA32 counters");
	z = snap_zone(&s, 0, "Movable");
	ok(z && z->present == 32768 && z->managed == 32256 && z->spanned == 32768 &&
	   z->free == 32000, "Movable counters after per-cpu pagesets");
	z = snap_zone(&s, 0, "Device");
	ok(z && z->present == 0 && z->managed == 0 && z->free == 0, "unpopulated zone, short form");
	ok(snap_zone(&s, 1, "DMA32") == NULL && snap_zone(&s, 0, "HighMem") == NULL,
	   "unknown zones: NULL");

	r = parses("iomem", sample_iomem);
	ok(r == 0 && s.n_iomem == 9, "iomem parsed (%d %s, %zu)", r, err, s.n_iomem);
	ok(s.iomem[3].depth == 1 && !strcmp(s.iomem[3].name, "Kernel code") &&
	   s.iomem[6].depth == 2 && !strcmp(s.iomem[6].name, "bochs-drm") &&
	   s.iomem[7].depth == 0 && s.iomem[7].start == 0x100000000ull &&
	   s.iomem[7].end == 0x107ffffffull, "iomem nesting and addresses");
	ok(snap_iomem_bytes(&s, "System RAM", 0x100000000ull, 0x107ffffffull) == 128ull << 20,
	   "System RAM over the DIMM: 128 MiB");
	ok(snap_iomem_bytes(&s, "System RAM", 0x100000000ull, 0x103ffffffull) == 64ull << 20,
	   "ranges are clipped to the query");
	ok(snap_iomem_bytes(&s, "System RAM", 0x108000000ull, UINT64_MAX) == 0, "nothing above");
	ok(snap_iomem_bytes(&s, "Kernel code", 0, UINT64_MAX) == 0, "nested ranges not counted");
	ok(snap_iomem_bytes(&s, "System RAM", 0, UINT64_MAX) ==
	   0x9f000ull + 0x1ff00000ull + (128ull << 20), "all System RAM");
	ok(!strcmp(s.iomem[8].name, "0123456789012345678901234567890123456789012345678901234567890"
		   "12"), "long name cut to 63 bytes");

	r = parses("blocks", sample_blocks);
	ok(r == 0 && s.block_size == 128ull << 20 && s.n_blocks == 5, "blocks parsed (%d %s)", r,
	   err);
	ok(snap_block(&s, 32) && snap_block(&s, 32)->state == BLOCK_ONLINE &&
	   !strcmp(snap_block(&s, 32)->zone, "Movable"), "block 32 online movable");
	ok(snap_block(&s, 33) && snap_block(&s, 33)->state == BLOCK_GOING_OFFLINE, "going-offline");
	ok(snap_block(&s, 34) && snap_block(&s, 34)->state == BLOCK_OFFLINE &&
	   !strcmp(snap_block(&s, 34)->zone, "-"), "offline block");
	ok(snap_block(&s, 35) == NULL && snap_block(&s, 36) == NULL, "absent and unknown blocks: NULL");

	r = parses("kpage", sample_kpage);
	ok(r == 0 && s.n_kpage == 3, "kpage parsed (%d %s)", r, err);
	ok(snap_kpage(&s, 1048576, &f, &m) == 0 && f == 0x2100000000ull && m == 0,
	   "first memmap pfn");
	ok(snap_kpage(&s, 1049087, &f, NULL) == 0 && f == (KPF_BIT(KPF_RESERVED) |
	   KPF_BIT(KPF_OWNER_PRIVATE)), "last memmap pfn");
	ok(snap_kpage(&s, 1049088, &f, &m) == 0 && f == KPF_BIT(KPF_BUDDY), "first ordinary pfn");
	ok(snap_kpage(&s, 1049090, &f, &m) == 0 && f == 0x400 && m == 0, "bare hex flags");
	ok(snap_kpage(&s, 1048575, &f, &m) == -ENOENT && snap_kpage(&s, 1049091, &f, &m) ==
	   -ENOENT, "pfns outside the runs: -ENOENT");

	r = parses("kpage", "100 10 0x1 0\n50 10 0x2 0\n0 1000 0x3 7\n");
	ok(r == 0 && s.kpage[0].pfn == 0 && s.kpage[1].pfn == 50 && s.kpage[2].pfn == 100,
	   "kpage runs sorted by pfn");
	ok(snap_kpage(&s, 55, &f, &m) == 0 && f == 0x2 && snap_kpage(&s, 100, &f, &m) == 0 &&
	   f == 0x1, "lookup in sorted runs");
	ok(snap_kpage(&s, 500, &f, &m) == 0 && f == 0x3 && m == 7, "overlapping runs found");
	ok(snap_kpage(&s, 1000, &f, &m) == -ENOENT, "past every run: -ENOENT");

	r = parses("params", sample_params);
	ok(r == 0 && s.n_params_num == 2, "params parsed (%d %s, %zu numeric)", r, err,
	   s.n_params_num);
	ok(snap_param(&s, "auto_online_blocks", buf, sizeof(buf)) == 0 &&
	   !strcmp(buf, "offline"), "string param");
	ok(snap_param(&s, "cmdline", buf, sizeof(buf)) == 0 &&
	   !strcmp(buf, "console=ttyS0 memory_hotplug.memmap_on_memory=1 x=a=b"),
	   "param value with blanks and '=' (%s)", buf);
	ok(snap_param(&s, "cmdline", buf, 8) == -ERANGE && !strcmp(buf, "console"),
	   "param cut to the buffer: -ERANGE");
	ok(snap_param(&s, "kernel", buf, sizeof(buf)) == 0 && !strcmp(buf, "6.1.0-56-amd64"),
	   "last param without newline");
	ok(snap_param(&s, "memmap", buf, sizeof(buf)) == -ENOENT, "prefix of a key: -ENOENT");
	ok(snap_param_num(&s, "block_size", &v) == 0 && v == 0x8000000, "hex numeric param");
	ok(snap_param_num(&s, "page_size", &v) == 0 && v == 4096, "numeric param");
	ok(snap_param_num(&s, "auto_online_blocks", &v) == -ENOENT, "string param not numeric");

	r = parses("dmesg", "[    1.000000] a\n\x01\xff raw");
	ok(r == 0 && !strcmp(s.dmesg, "[    1.000000] a\n\x01\xff raw"), "dmesg kept raw");
	ok(parses("unknown", "garbage") == 0 && parses("meminfo.bak", "x") == 0,
	   "unknown files ignored");
	ok(s.n_meminfo == 6, "other parts untouched");
	ok(parses("meminfo", "A: 1 kB\n") == 0 && s.n_meminfo == 1, "re-parse replaces a part");
	ok(parse("vmstat", NULL, 5) == 0 && s.n_vmstat == 0, "NULL data is an empty file");
	snapshot_free(&s);
	ok(s.n_zones == 0 && s.zones == NULL && s.params == NULL, "snapshot_free empties");
	snapshot_free(&s);
}

static void malformed(void)
{
	size_t i;

	memset(&s, 0, sizeof(s));
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		int r = parse(b->file, b->text, b->len ? b->len : strlen(b->text));

		ok(r == b->r && !strcmp(err, b->err), "%s: %d [%s] (got %d [%s])", b->file, b->r,
		   b->err, r, err);
	}
	ok(s.n_meminfo == 0 && s.n_zones == 0 && s.n_iomem == 0 && s.n_blocks == 0 &&
	   s.n_kpage == 0 && s.n_params_num == 0 && !s.params && !s.block_size,
	   "failed parses leave their parts empty");
	snapshot_free(&s);
}

static void bound_check(const char *file, struct strbuf *sb, unsigned n, int want,
			const char *want_err)
{
	int r;

	memset(&s, 0, sizeof(s));
	r = parse(file, sb->buf, sb->len);
	ok(r == want && !strcmp(err, want_err), "%s with %u lines: %d [%s] (got %d [%s])", file, n,
	   want, want_err, r, err);
	snapshot_free(&s);
	sb_release(sb);
}

/* One file of head plus n lines made by fmt from the line index (given twice). */
#define bound_case(file, head, fmt, n, want, want_err)				\
	do {									\
		struct strbuf sb_ = STRBUF_INIT;				\
		sb_adds(&sb_, head);						\
		for (unsigned i_ = 0; i_ < (unsigned)(n); i_++)			\
			sb_addf(&sb_, fmt, i_, i_);				\
		bound_check(file, &sb_, n, want, want_err);			\
	} while (0)

static void bounds(void)
{
	char *big;

	bound_case("meminfo", "", "K%u: %u kB\n", SNAP_KV_MAX, 0, "");
	bound_case("meminfo", "", "K%u: %u kB\n", SNAP_KV_MAX + 1, -E2BIG,
		   "meminfo:1025: more than 1024 meminfo keys");
	bound_case("vmstat", "", "k%u %u\n", SNAP_KV_MAX + 1, -E2BIG,
		   "vmstat:1025: more than 1024 vmstat keys");
	bound_case("zoneinfo", "", "Node %u, zone Z%u\n", SNAP_ZONES_MAX, 0, "");
	bound_case("zoneinfo", "", "Node %u, zone Z%u\n", SNAP_ZONES_MAX + 1, -E2BIG,
		   "zoneinfo:257: more than 256 zones");
	bound_case("blocks", "block_size 134217728\n", "%u online Normal%.0u\n", SNAP_BLOCKS_MAX, 0,
		   "");
	bound_case("blocks", "block_size 134217728\n", "%u online Normal%.0u\n",
		   SNAP_BLOCKS_MAX + 1, -E2BIG, "blocks:4098: more than 4096 memory blocks");
	bound_case("iomem", "", "%08x-%08x : Reserved\n", SNAP_IOMEM_MAX + 1, -E2BIG,
		   "iomem:4097: more than 4096 iomem ranges");
	bound_case("kpage", "", "%u 1 0x400 %u\n", SNAP_KPAGE_MAX, 0, "");
	bound_case("kpage", "", "%u 1 0x400 %u\n", SNAP_KPAGE_MAX + 1, -E2BIG,
		   "kpage:65537: more than 65536 kpage runs");
	bound_case("params", "", "k%u=%u\n", SNAP_PARAMS_MAX, 0, "");
	bound_case("params", "", "k%u=%u\n", SNAP_PARAMS_MAX + 1, -E2BIG,
		   "params:1025: more than 1024 params");
	bound_case("meminfo", "", "K: %u%u kB\n", 2, -EPROTO, "meminfo:2: duplicate key K");

	big = calloc(1, SNAP_FILE_MAX + 1);
	if (!big)
		return;
	memset(&s, 0, sizeof(s));
	ok(parse("dmesg", big, SNAP_FILE_MAX + 1) == -EFBIG &&
	   !strcmp(err, "dmesg: file too big (16777217 bytes, max 16777216)"),
	   "file over SNAP_FILE_MAX: -EFBIG [%s]", err);
	ok(parse("dmesg", big, SNAP_FILE_MAX) == 0, "file of SNAP_FILE_MAX accepted");
	snapshot_free(&s);
	free(big);
}

static void bundles(void)
{
	struct strbuf b = STRBUF_INIT;
	uint64_t v;
	int r;

	bundle_add(&b, "meminfo", sample_meminfo, strlen(sample_meminfo));
	bundle_add(&b, "zoneinfo", sample_zoneinfo, strlen(sample_zoneinfo));
	bundle_add(&b, "notes.txt", "ignored\n", 8);
	bundle_add(&b, "blocks", sample_blocks, strlen(sample_blocks));
	r = snapshot_parse_bundle(&s, b.buf, b.len, err, sizeof(err));
	ok(r == 0 && s.n_meminfo == 6 && s.n_zones == 5 && s.n_blocks == 5 && s.n_iomem == 0,
	   "bundle parsed, unknown file ignored (%d %s)", r, err);
	ok(s.params && !*s.params && s.dmesg && !*s.dmesg && !s.name[0],
	   "absent params and dmesg read as \"\"");
	ok(snap_param(&s, "x", NULL, 0) == -ENOENT, "no params");
	snapshot_free(&s);

	bundle_add(&b, "vmstat", "a 1\nb x\n", 8);
	r = snapshot_parse_bundle(&s, b.buf, b.len, err, sizeof(err));
	ok(r == -EPROTO && !strcmp(err, "vmstat:2: bad value: x") && s.meminfo == NULL,
	   "error in a bundled file names it; snapshot freed [%s]", err);

	sb_reset(&b);
	bundle_add(&b, "meminfo", "A: 1 kB\n", 8);
	bundle_add(&b, "meminfo", "A: 2 kB\n", 8);
	r = snapshot_parse_bundle(&s, b.buf, b.len, err, sizeof(err));
	ok(r == 0 && s.n_meminfo == 1 && snap_meminfo(&s, "A", &v) == 0 && v == 2,
	   "a repeated file replaces the first");
	snapshot_free(&s);

	sb_reset(&b);
	bundle_add(&b, "meminfo", "A: 1 kB\n", 8);
	r = snapshot_parse_bundle(&s, b.buf, b.len - 2, err, sizeof(err));
	ok(r == -EPROTO && !strncmp(err, "bundle: ", 8) && s.meminfo == NULL,
	   "truncated bundle: -EPROTO [%s]", err);
	r = snapshot_parse_bundle(&s, "", 0, err, sizeof(err));
	ok(r == 0 && s.params && s.dmesg, "empty bundle");
	snapshot_free(&s);
	sb_release(&b);
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void dirs(void)
{
	char dir[] = "/tmp/test_snapshot_XXXXXX", sub[64], want[256], path[128];
	int r;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(sub, sizeof(sub), "%s/online", dir);
	mkdir(sub, 0700);
	write_file(sub, "meminfo", sample_meminfo);
	write_file(sub, "kpage", sample_kpage);
	write_file(sub, "README", "not a snapshot file\n");
	r = snapshot_load_dir(&s, sub, err, sizeof(err));
	ok(r == 0 && s.n_meminfo == 6 && s.n_kpage == 3 && s.n_zones == 0 && s.params && s.dmesg,
	   "directory loaded, missing files fine (%d %s)", r, err);
	ok(!strcmp(s.name, "online"), "name from the directory (%s)", s.name);
	snapshot_free(&s);
	snprintf(path, sizeof(path), "%s/", sub);
	r = snapshot_load_dir(&s, path, err, sizeof(err));
	ok(r == 0 && !strcmp(s.name, "online"), "trailing slash (%s)", s.name);
	snapshot_free(&s);

	write_file(sub, "zoneinfo", "Node 0, zone DMA\n  pages free 1\n        present x\n");
	r = snapshot_load_dir(&s, sub, err, sizeof(err));
	snprintf(want, sizeof(want), "%s/zoneinfo:3: bad present: x", sub);
	ok(r == -EPROTO && !strcmp(err, want) && s.meminfo == NULL,
	   "parse error names the path [%s]", err);

	snprintf(path, sizeof(path), "%s/zoneinfo", sub);
	unlink(path);
	mkdir(path, 0700);
	r = snapshot_load_dir(&s, sub, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: Is a directory", path);
	ok(r == -EISDIR && !strcmp(err, want), "unreadable file is an error [%s]", err);
	rmdir(path);

	snprintf(path, sizeof(path), "%s/nope", dir);
	r = snapshot_load_dir(&s, path, err, sizeof(err));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	ok(r == -ENOENT && !strcmp(err, want), "missing directory [%s]", err);

	snprintf(path, sizeof(path), "%s/meminfo", sub);
	unlink(path);
	snprintf(path, sizeof(path), "%s/kpage", sub);
	unlink(path);
	snprintf(path, sizeof(path), "%s/README", sub);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* Mutated samples through every parser: whatever the result, no crash or overread
 * (run under valgrind). Deterministic. */
static void mutations(void)
{
	static const char *const files[] = { "meminfo", "vmstat", "zoneinfo", "iomem", "blocks",
					     "kpage", "params", "dmesg" };
	const char *samples[] = { sample_meminfo, sample_vmstat, sample_zoneinfo, sample_iomem,
				  sample_blocks, sample_kpage, sample_params, "[1.0] x\n" };
	static const char junk[] = " \t\n:=-,0x9fF\0\xff#";
	uint32_t seed = 12345;
	unsigned i, k, errors = 0, fine = 0;
	char *buf;

	for (i = 0; i < 3000; i++) {
		unsigned f = i % 8;
		size_t len = strlen(samples[f]), pos;

		buf = malloc(len ? len : 1);	/* exact size: valgrind sees any overread */
		if (!buf)
			return;
		memcpy(buf, samples[f], len);
		for (k = 0; k < 1 + i % 5 && len; k++) {
			seed = seed * 1103515245u + 12345u;
			pos = (seed >> 8) % len;
			buf[pos] = junk[(seed >> 20) % (sizeof(junk) - 1)];
		}
		seed = seed * 1103515245u + 12345u;
		if (i % 3 == 0)
			len = (seed >> 8) % (len + 1);	/* truncated */
		memset(&s, 0, sizeof(s));
		if (parse(files[f], buf, len))
			errors += err[0] != '\0' && !strncmp(err, files[f], strlen(files[f]));
		else
			fine++;
		snapshot_free(&s);
		free(buf);
	}
	ok(errors + fine == 3000, "3000 mutated files: %u parsed, %u errors naming the file", fine,
	   errors);
}

int main(void)
{
	well_formed();
	malformed();
	bounds();
	bundles();
	dirs();
	mutations();
	return done();
}
