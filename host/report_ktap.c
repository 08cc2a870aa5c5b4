/* KTAP on stdout: one subtest per run (scenario on arch), one line per check. */
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "report.h"
#include "hpt.h"

static void begin(FILE *f, int n)
{
	fprintf(f, "KTAP version 1\n1..%d\n", n);
	fflush(f);
}

static void one(FILE *f, int index, const struct run *r)
{
	enum verdict all = result_overall(&r->res);

	fprintf(f, "    KTAP version 1\n    # Subtest: %s.%s\n    1..%zu\n", r->scn->name,
		r->arch->name, r->res.n);
	for (size_t i = 0; i < r->res.n; i++) {
		const struct check *c = &r->res.checks[i];

		fprintf(f, "    %sok %zu %s", c->v == V_PASS || c->v == V_SKIP ? "" : "not ", i + 1,
			c->name);
		if (c->v == V_SKIP)
			fprintf(f, " # SKIP %s", c->summary ? c->summary : "");
		fputc('\n', f);
		if (c->v != V_SKIP)
			fprintf(f, "    # %s%s%s\n", c->v == V_ERROR ? "ERROR: " : "",
				c->v == V_FAIL ? "FAIL: " : "", c->summary ? c->summary : "");
		if (c->evidence && (c->v == V_FAIL || c->v == V_ERROR))
			fprintf(f, "    # evidence: %s\n", c->evidence);
	}
	fprintf(f, "# %s.%s: %s in %.1f s (", r->scn->name, r->arch->name, verdict_names[all],
		(double)(now_ms() - r->t0_ms) / 1000.0);
	for (int p = 0; p < PHASE__COUNT; p++)
		fprintf(f, "%s%s %.1f", p ? ", " : "", phase_names[p], r->phase_ms[p] / 1000.0);
	fprintf(f, " s); run dir %s\n", r->dir);
	fprintf(f, "%sok %d %s.%s", all == V_PASS || all == V_SKIP ? "" : "not ", index,
		r->scn->name, r->arch->name);
	if (all == V_SKIP)
		fprintf(f, " # SKIP");
	fputc('\n', f);
	fflush(f);
}

static void end(FILE *f)
{
	fflush(f);
}

const struct reporter report_ktap = { .name = "ktap", .writes = "KTAP on stdout", .begin = begin,
				       .one = one, .end = end };
