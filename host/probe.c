/* Reading the physical placement probe's report (format in guest/probe/hpt_probe.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "oracles.h"

int probe_parse(const char *text, struct probe_result *pr)
{
	int summary = 0, first_run = 1;

	memset(pr, 0, sizeof(*pr));
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long long a, b, c, d;
		char kind[16], level[4], line[256];

		/* sscanf() on one line: on the rest of the reply (16 MiB) it is quadratic */
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		if (!strncmp(line, "unsupported", 11))
			pr->unsupported = 1;
		else if (sscanf(line, "memmap %llx %llx %llu", &a, &b, &c) == 3) {
			pr->memmap_pages = c;
			pr->memmap_bytes = b > a ? b - a : 0;
		}
		else if (sscanf(line, "run %llu %llu %llu %15s %3s", &a, &b, &c, kind,
				level) == 5 && first_run) {
			pr->first_backing_pfn = c;
			snprintf(pr->level, sizeof(pr->level), "%s", level);
			first_run = 0;
		} else if (sscanf(line, "summary inside=%llu outside=%llu unmapped=%llu", &a, &b,
				  &d) == 3) {
			pr->inside = a;
			pr->outside = b;
			pr->unmapped = d;
			summary = 1;
		}
	}
	return summary || pr->unsupported ? 0 : -EPROTO;
}

enum placement probe_placement(const struct probe_result *pr)
{
	if (pr->unsupported || pr->unmapped || !pr->memmap_pages)
		return PLACE_UNKNOWN;
	if (pr->inside == pr->memmap_pages)
		return PLACE_ON_BLOCK;
	if (pr->outside == pr->memmap_pages)
		return PLACE_ELSEWHERE;
	return PLACE_UNKNOWN;
}
