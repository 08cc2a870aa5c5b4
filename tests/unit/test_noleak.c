/* The teardown/no-leak oracle on real snapshots (baseline vs after unplug: clean; baseline
 * vs a still-plugged guest: fires), and the teardown order on journals. The MemFree check
 * has its own test (test_noleak_free.c). */
#include <stdlib.h>
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "tap.h"

static int verdict_of(const struct results *res, const char *name)
{
	for (size_t i = 0; i < res->n; i++)
		if (!strcmp(res->checks[i].name, name))
			return (int)res->checks[i].v;
	return -1;
}

static struct hpt_dev dev(const char *name, int plug, int unplug, uint64_t base)
{
	struct hpt_dev d = { .base = base, .size = 128ull << 20, .first_block = (uint32_t)(base >> 27),
			     .n_blocks = 1, .plug_order = plug, .unplug_order = unplug,
			     .state = unplug ? DEV_REMOVED : DEV_ONLINE };

	snprintf(d.name, sizeof(d.name), "%s", name);
	return d;
}

#define J(k, d, b) { .kind = k, .dev = d, .block = b }

int main(void)
{
	struct snapshot *base = fixture(FIX("x86_64-deb6.1-dimm128-mom/baseline"));
	struct snapshot *gone = fixture(FIX("x86_64-deb6.1-dimm128-mom/unplugged"));
	struct snapshot *online = fixture(FIX("x86_64-deb6.1-dimm128-mom/online"));
	struct hpt_dev one[1] = { dev("d0", 1, 1, 4ull << 30) };
	struct jentry good[] = { J(J_PLUG, 0, 32), J(J_ONLINE, 0, 32), J(J_OFFLINE, 0, 32),
				 J(J_UNPLUG_REQ, 0, 32), J(J_BLOCK_GONE, 0, 32), J(J_UNPLUGGED, 0, 32) };
	struct noleak_cfg cfg = { .memfree_tolerance_kb = 4096 };
	struct results res = { 0 };

	noleak_eval(base, gone, one, 1, good, 6, &cfg, &res);
	ok(result_overall(&res) == V_PASS, "recorded teardown: every property passes");
	ok(verdict_of(&res, "no-leak zones") == V_PASS, "zones back to baseline");
	ok(verdict_of(&res, "no-leak MemTotal") == V_PASS, "MemTotal back exactly");
	results_free(&res);

	one[0].state = DEV_ONLINE;
	one[0].unplug_order = 0;
	noleak_eval(base, online, one, 1, good, 2, &cfg, &res);
	ok(verdict_of(&res, "no-leak memory blocks") == V_FAIL, "block still there: fires");
	ok(verdict_of(&res, "no-leak iomem") == V_FAIL, "System RAM grew: fires");
	ok(verdict_of(&res, "no-leak zones") == V_FAIL, "Movable zone populated: fires");
	ok(verdict_of(&res, "no-leak MemTotal") == V_FAIL, "MemTotal +126 MiB: fires");
	ok(verdict_of(&res, "teardown order") == V_SKIP, "nothing removed: order SKIPs");
	results_free(&res);

	/* boot memory offlined and onlined again, nothing ever plugged: no order to check */
	noleak_eval(base, base, one, 1, good + 1, 2, &cfg, &res);
	ok(verdict_of(&res, "teardown order") == -1 &&
	   verdict_of(&res, "no-leak zones") == V_PASS, "nothing plugged: no teardown check");
	results_free(&res);

	/* only the span differs: a zone whose spanned pages did not shrink back fires */
	{
		struct zone_stat *z = calloc(gone->n_zones, sizeof(*z)), *saved = gone->zones;
		size_t k;

		memcpy(z, saved, gone->n_zones * sizeof(*z));
		for (k = 0; k < gone->n_zones && strcmp(z[k].name, "Movable"); k++)
			;
		if (k == gone->n_zones)
			k = 0;
		z[k].spanned += 32768;	/* present and managed as at the baseline */
		gone->zones = z;
		noleak_eval(base, gone, one, 1, good, 6, &cfg, &res);
		ok(verdict_of(&res, "no-leak zones") == V_FAIL, "only %s's spanned pages differ "
		   "(+32768): fires", z[k].name);
		results_free(&res);
		gone->zones = saved;
		free(z);
	}
	/* a missing zoneinfo, blocks or iomem file proves nothing: ERROR, never a PASS */
	{
		struct snapshot hollow = *gone;

		hollow.n_zones = 0;
		noleak_eval(base, &hollow, one, 1, good, 6, &cfg, &res);
		ok(verdict_of(&res, "no-leak zones") == V_ERROR, "final without zoneinfo: ERROR");
		results_free(&res);
		hollow = *gone;
		hollow.n_blocks = 0;
		noleak_eval(base, &hollow, one, 1, good, 6, &cfg, &res);
		ok(verdict_of(&res, "no-leak memory blocks") == V_ERROR,
		   "final without blocks: ERROR");
		results_free(&res);
		hollow = *gone;
		hollow.n_iomem = 0;
		noleak_eval(base, &hollow, one, 1, good, 6, &cfg, &res);
		ok(verdict_of(&res, "no-leak iomem") == V_ERROR, "final without iomem: ERROR");
		results_free(&res);
		hollow = *base;
		hollow.n_zones = 0;
		noleak_eval(&hollow, gone, one, 1, good, 6, &cfg, &res);
		ok(verdict_of(&res, "no-leak zones") == V_ERROR, "baseline without zoneinfo: ERROR");
		results_free(&res);
	}

	/* order: two DIMMs removed in plug order */
	{
		struct hpt_dev two[2] = { dev("d0", 1, 1, 4ull << 30), dev("d1", 2, 2, 4ull << 30) };
		struct jentry fwd[] = { J(J_OFFLINE, 0, 32), J(J_UNPLUG_REQ, 0, 32),
					J(J_BLOCK_GONE, 0, 32), J(J_OFFLINE, 1, 33),
					J(J_UNPLUG_REQ, 1, 33), J(J_BLOCK_GONE, 1, 33) };
		struct jentry early[] = { J(J_UNPLUG_REQ, 0, 32) };

		cfg.memfree_tolerance_kb = 4096;
		struct jentry nogone[] = { J(J_OFFLINE, 0, 32), J(J_UNPLUG_REQ, 0, 32),
					   J(J_UNPLUGGED, 0, 32) };
		struct jentry cycles[] = { J(J_PLUG, 0, 32), J(J_OFFLINE, 0, 32),
			J(J_UNPLUG_REQ, 0, 32), J(J_BLOCK_GONE, 0, 32), J(J_UNPLUGGED, 0, 32),
			J(J_PLUG, 0, 32), J(J_OFFLINE, 0, 32), J(J_UNPLUG_REQ, 0, 32),
			J(J_BLOCK_GONE, 0, 32), J(J_UNPLUGGED, 0, 32) };
		int fwd_plan[2] = { 0, 1 };

		noleak_eval(base, gone, one, 1, cycles, 10, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_PASS, "two plug/unplug cycles of one DIMM: "
		   "each removal judged on its own: %s", res.checks[0].summary);
		results_free(&res);
		cycles[6].kind = J_ONLINE;	/* second cycle: never offlined, still online */
		cycles[7].online_at_unplug = 1;
		noleak_eval(base, gone, one, 1, cycles, 10, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_FAIL, "a cycle without offline fires: %s",
		   res.checks[0].summary);
		results_free(&res);
		cycles[6].kind = J_OFFLINE;
		cycles[7].online_at_unplug = 0;
		/* plugged and unplugged, never onlined: its block was offline all along */
		{
			struct jentry never[] = { J(J_PLUG, 0, 32), J(J_UNPLUG_REQ, 0, 32),
						  J(J_BLOCK_GONE, 0, 32), J(J_UNPLUGGED, 0, 32) };

			noleak_eval(base, gone, one, 1, never, 4, &cfg, &res);
			ok(verdict_of(&res, "teardown order") == V_PASS &&
			   strstr(res.checks[0].evidence, "d0: never onlined since its plug"),
			   "a DIMM never onlined is removed with its block offline: PASS, the "
			   "evidence says who: %s", res.checks[0].evidence);
			results_free(&res);
			noleak_eval(base, gone, one, 1, cycles, 10, &cfg, &res);
			ok(verdict_of(&res, "teardown order") == V_PASS &&
			   strstr(res.checks[0].evidence, "d0: offlined by the testbed"),
			   "offlined by the testbed: the evidence says so: %s",
			   res.checks[0].evidence);
			results_free(&res);
		}
		cfg.planned = fwd_plan;
		cfg.n_planned = 2;
		cfg.order_rule = "forward";
		noleak_eval(base, gone, two, 2, fwd, 6, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_PASS, "forward order when forward was "
		   "planned passes: %s", res.checks[0].summary);
		results_free(&res);
		fwd_plan[0] = 1;
		fwd_plan[1] = 0;
		cfg.order_rule = "random seed=7";
		noleak_eval(base, gone, two, 2, fwd, 6, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_FAIL && strstr(res.checks[0].summary,
		   "random seed=7 order planned d1"), "deviating from the planned order fires: %s",
		   res.checks[0].summary);
		results_free(&res);
		cfg.planned = NULL;
		cfg.n_planned = 0;

		noleak_eval(base, gone, one, 1, nogone, 3, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_FAIL && strstr(res.checks[0].summary,
		   "reported 0 of its 1"), "removed without the guest seeing its block go: fires: %s",
		   res.checks[0].summary);
		results_free(&res);
		noleak_eval(base, gone, two, 2, fwd, 6, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_FAIL && strstr(res.checks[0].summary,
		   "d0 (plugged #1) was removed before d1"), "forward order fires: %s",
		   res.checks[0].summary);
		results_free(&res);
		two[0].unplug_order = 2;
		two[1].unplug_order = 1;
		early[0].online_at_unplug = 1;
		noleak_eval(base, gone, two, 1, early, 1, &cfg, &res);
		ok(verdict_of(&res, "teardown order") == V_FAIL && strstr(res.checks[0].summary,
		   "still online"), "removal with online blocks fires: %s", res.checks[0].summary);
		results_free(&res);
	}
	return done();
}
