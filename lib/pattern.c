/* The busy-guest workloads' page contents: fill, check, and what a wrong page holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pattern.h"

/* how many older generations of an incompressible page wl_older tries */
#define DENSE_GENS 4096

static void block_of(uint64_t index, uint32_t gen, unsigned char *blk)
{
	uint64_t x = (index + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)gen << 32 | gen);

	for (int i = 0; i < 64; i++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ull;
		blk[i] = (unsigned char)(x >> 56);
	}
}

void wl_fill(char *page, uint64_t index, uint32_t gen, long page_size)
{
	unsigned char blk[64];

	block_of(index, gen, blk);
	for (long off = 0; off < page_size; off += 64)
		memcpy(page + off, blk, 64);
	memcpy(page, "HPTW", 4);
	memcpy(page + 4, &gen, 4);
	memcpy(page + 8, &index, 8);
}

int wl_check(const char *page, uint64_t index, uint32_t gen, long page_size)
{
	unsigned char blk[64], head[16];

	block_of(index, gen, blk);
	memcpy(head, blk, 16);
	memcpy(head, "HPTW", 4);
	memcpy(head + 4, &gen, 4);
	memcpy(head + 8, &index, 8);
	if (memcmp(page, head, 16) || memcmp(page + 16, blk + 16, 48))
		return -1;
	for (long off = 64; off < page_size; off += 64)
		if (memcmp(page + off, blk, 64))
			return -1;
	return 0;
}

static uint64_t dense_word(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

void wl_fill_dense(char *page, uint64_t index, uint32_t gen, long page_size)
{
	uint64_t x = (index + 1) * 0x9e3779b97f4a7c15ull ^ gen ^ 0x5bd1e995ull, w;

	for (long off = 0; off < page_size; off += 8) {
		w = dense_word(&x);
		memcpy(page + off, &w, 8);
	}
}

int wl_check_dense(const char *page, uint64_t index, uint32_t gen, long page_size)
{
	uint64_t x = (index + 1) * 0x9e3779b97f4a7c15ull ^ gen ^ 0x5bd1e995ull, w;

	for (long off = 0; off < page_size; off += 8) {
		w = dense_word(&x);
		if (memcmp(page + off, &w, 8))
			return -1;
	}
	return 0;
}

/* wl_fill's header: 1 and the page and generation it names, or 0 if it has none. */
static int header_of(const char *page, uint64_t *index, uint32_t *gen)
{
	memcpy(gen, page + 4, 4);
	memcpy(index, page + 8, 8);
	return !memcmp(page, "HPTW", 4);
}

int64_t wl_older(const char *page, uint64_t index, uint32_t gen, int dense, long page_size)
{
	uint64_t i2;
	uint32_t g2;

	if (!dense)
		return header_of(page, &i2, &g2) && i2 == index && g2 < gen &&
		       !wl_check(page, index, g2, page_size) ? (int64_t)g2 : -1;
	/* the incompressible pattern names neither: each older generation is tried (a try
	 * fails at its first word), the newest first */
	for (uint32_t g = gen, tries = 0; g-- > 0 && tries < DENSE_GENS; tries++)
		if (!wl_check_dense(page, index, g, page_size))
			return g;
	return -1;
}

const char *wl_describe(const char *page, uint64_t index, uint32_t gen, int dense,
			long page_size, char *buf, size_t n)
{
	long wrong = 0, wrong_nonzero = 0, first = -1, last = -1, nonzero = 0;
	int64_t older;
	char *want;
	uint64_t i2;
	uint32_t g2;

	for (long off = 0; off < page_size && !nonzero; off++)
		nonzero = page[off] != 0;
	if (!nonzero) {
		snprintf(buf, n, "all zero");
		return buf;
	}
	if (!dense && header_of(page, &i2, &g2) && (i2 != index || g2 != gen) &&
	    !wl_check(page, i2, g2, page_size)) {
		if (i2 == index)
			snprintf(buf, n, "the data of its generation %u", g2);
		else
			snprintf(buf, n, "page %llu's data (generation %u)", (unsigned long long)i2, g2);
		return buf;
	}
	older = dense ? wl_older(page, index, gen, 1, page_size) : -1;
	if (older >= 0) {
		snprintf(buf, n, "the data of its generation %lld", (long long)older);
		return buf;
	}
	want = malloc((size_t)page_size);
	if (!want) {
		snprintf(buf, n, "not what was written (no memory to say more)");
		return buf;
	}
	if (dense)
		wl_fill_dense(want, index, gen, page_size);
	else
		wl_fill(want, index, gen, page_size);
	for (long off = 0; off < page_size; off++) {
		if (page[off] == want[off])
			continue;
		wrong++;
		wrong_nonzero += page[off] != 0;
		if (first < 0)
			first = off;
		last = off;
	}
	if (!wrong)
		snprintf(buf, n, "what was written (it changed back after the check)");
	else
		snprintf(buf, n, "%ld of %ld bytes wrong at offsets %ld-%ld (first: 0x%02x where "
			 "0x%02x was written)%s", wrong, page_size, first, last,
			 (unsigned char)page[first], (unsigned char)want[first],
			 wrong_nonzero ? "" : ", all of them zero");
	free(want);
	return buf;
}
