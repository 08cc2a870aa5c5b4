/* The busy-guest workloads' page contents (lib/pattern.c): what each page must hold, the
 * check, and what a page that fails the check holds instead. Shared by hp-agent's
 * workloads and the host's unit tests. */
#ifndef HPT_PATTERN_H
#define HPT_PATTERN_H
#include <stddef.h>
#include <stdint.h>

/* Page contents that compress well but are never one repeated word (zram would then keep
 * no data): a header naming page and generation, then a 64-byte block derived from both. */
void wl_fill(char *page, uint64_t index, uint32_t gen, long page_size);
/* 0 if page holds what wl_fill(index, gen) wrote. */
int wl_check(const char *page, uint64_t index, uint32_t gen, long page_size);
/* The same with pseudo-random contents that do not compress (zsmalloc's huge class). */
void wl_fill_dense(char *page, uint64_t index, uint32_t gen, long page_size);
int wl_check_dense(const char *page, uint64_t index, uint32_t gen, long page_size);
/* The older generation of page index that page holds whole (an older copy of itself: a
 * lost write), or -1. */
int64_t wl_older(const char *page, uint64_t index, uint32_t gen, int dense, long page_size);
/* What a page that failed the check (wl_check, or wl_check_dense if dense) holds, for the
 * FAIL's text, so that a lost write, a stale or misdirected copy and a torn one read
 * apart: "all zero", "the data of its generation G" (an older copy, of either pattern),
 * "page J's data (generation G)" (another page's; wl_fill's pattern only), or "N of SIZE
 * bytes wrong at offsets A-B (first: 0xXX where 0xYY was written)" with ", all of them
 * zero" when they are. Into buf, which it returns. */
const char *wl_describe(const char *page, uint64_t index, uint32_t gen, int dense,
			long page_size, char *buf, size_t n);

#endif
