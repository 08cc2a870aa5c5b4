/* The check `no-leak memmap` (see oracles.h): the kernel's own count of hot-added memmap
 * pages, /proc/vmstat nr_memmap_pages (6.11+; detected by presence), grew while each
 * device was plugged by exactly what the model says its memmap takes (Σ over its memory
 * sections of the section's memmap rounded up to a page: model_memmap_counter()), and is
 * back to the baseline exactly after teardown. */
#include <stdio.h>
#include <string.h>
#include "oracles.h"

#define COUNTER "nr_memmap_pages"

void noleak_memmap_eval(const struct snapshot *base, const struct snapshot *final,
			const struct memmap_sample *smp, size_t n, const struct noleak_cfg *cfg,
			struct results *res)
{
	static const char check_name[] = "no-leak memmap";
	struct strbuf ev = STRBUF_INIT;
	uint64_t b = 0, f = 0, v;
	int hb = snap_vmstat(base, COUNTER, &b) == 0, hf = snap_vmstat(final, COUNTER, &f) == 0;
	size_t checked = 0;
	char fail[512] = "";
	struct json j;

	if (!hb && !hf)		/* a kernel without the counter (before 6.11): nothing to check */
		return;
	if (!hb || !hf) {
		result_add(res, V_ERROR, check_name, cfg->lineno, NULL, "/proc/vmstat has %s in the "
			   "%s snapshot but not in the %s one", COUNTER, hb ? "baseline" : "final",
			   hb ? "final" : "baseline");
		return;
	}
	json_init(&j, &ev, 0);
	json_obj_begin(&j, NULL);
	json_u64(&j, "baseline", b);
	json_u64(&j, "final", f);
	json_arr_begin(&j, "plugged");
	for (size_t i = 0; i < n; i++) {
		const struct memmap_sample *s = &smp[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "device", s->dev);
		json_str(&j, "snapshot", s->snap_name);
		if (!s->modelled) {
			json_str(&j, "not_checked", s->why);
			json_obj_end(&j);
			continue;
		}
		if (!s->s || snap_vmstat(s->s, COUNTER, &v) < 0) {
			json_str(&j, "not_checked", "no " COUNTER " in the snapshot");
			json_obj_end(&j);
			if (!fail[0])
				snprintf(fail, sizeof(fail), "snapshot %s has no %s", s->snap_name,
					 COUNTER);
			continue;
		}
		json_u64(&j, "value", v);
		json_u64(&j, "model_growth", s->want);
		json_obj_end(&j);
		checked++;
		if (v - b != s->want && !fail[0])
			snprintf(fail, sizeof(fail), "%s grew by %lld while %s was plugged (snapshot %s), but "
				 "the model's memmap for it is %llu pages (%s)", COUNTER,
				 (long long)(v - b), s->dev, s->snap_name,
				 (unsigned long long)s->want, s->why);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	if (fail[0])
		result_add(res, V_FAIL, check_name, cfg->lineno, sb_str(&ev), "%s", fail);
	else if (f != b)
		result_add(res, V_FAIL, check_name, cfg->lineno, sb_str(&ev), "%s is %llu after "
			   "teardown, baseline %llu (%+lld pages of memmap not freed)", COUNTER,
			   (unsigned long long)f, (unsigned long long)b, (long long)(f - b));
	else
		result_add(res, V_PASS, check_name, cfg->lineno, sb_str(&ev), "%s grew by exactly "
			   "the model's memmap while plugged (%zu snapshot%s checked) and is back to "
			   "the baseline's %llu", COUNTER, checked, checked == 1 ? "" : "s",
			   (unsigned long long)b);
	sb_release(&ev);
}
