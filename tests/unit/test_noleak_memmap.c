/* `no-leak memmap` on snapshots of real guests: nr_memmap_pages (6.11+) grows by exactly
 * the model's memmap while a device is plugged (x86_64 6.12: 512 per 128 MiB block,
 * wherever the memmap lives; ppc64le 7.2 64K pages: 16 per LMB, a page per 16 MiB
 * section, not the 4-page memmap) and is back to the baseline after teardown. It fires on
 * a wrong model, on a final state that is not back, and is silent on 6.1 (no counter). */
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "result.h"
#include "tap.h"

static enum verdict eval(const struct snapshot *b, const struct snapshot *f,
			 const struct snapshot *plugged, uint64_t want, const char **why)
{
	static struct results res;
	struct memmap_sample s = { .dev = "d0", .snap_name = "online-d0", .s = plugged,
				   .want = want, .modelled = 1 };
	struct noleak_cfg cfg = { .lineno = 9 };

	memset(&res, 0, sizeof(res));
	noleak_memmap_eval(b, f, &s, plugged ? 1 : 0, &cfg, &res);
	if (!res.n) {
		*why = "(no result)";
		return V__COUNT;
	}
	*why = res.checks[0].summary;
	return res.checks[0].v;
}

int main(void)
{
	struct snapshot *b = fixture(FIX("x86_64-deb6.12-dimm128-mom/baseline"));
	struct snapshot *on = fixture(FIX("x86_64-deb6.12-dimm128-mom/online"));
	struct snapshot *f = fixture(FIX("x86_64-deb6.12-dimm128-mom/unplugged"));
	struct snapshot *nb = fixture(FIX("x86_64-deb7.2-dimm128-nomom/baseline"));
	struct snapshot *non = fixture(FIX("x86_64-deb7.2-dimm128-nomom/online"));
	struct snapshot *nf = fixture(FIX("x86_64-deb7.2-dimm128-nomom/unplugged"));
	struct snapshot *pb = fixture(FIX("ppc64le-deb7.2-64k-lmb256-momforce/baseline"));
	struct snapshot *pon = fixture(FIX("ppc64le-deb7.2-64k-lmb256-momforce/online"));
	struct snapshot *pf = fixture(FIX("ppc64le-deb7.2-64k-lmb256-momforce/unplugged"));
	struct snapshot *ob = fixture(FIX("x86_64-deb6.1-dimm128-mom/baseline"));
	struct snapshot *of = fixture(FIX("x86_64-deb6.1-dimm128-mom/unplugged"));
	const char *why = "";
	enum verdict v;

	ok(model_memmap_counter("x86_64", 128ull << 20, 4096, 0) == 512 &&
	   model_memmap_counter("ppc64le", 256ull << 20, 4096, 0) == 1024 &&
	   model_memmap_counter("ppc64le", 256ull << 20, 65536, 0) == 16,
	   "the counter model: 512 per x86 block, 1024 per 4K LMB, 16 per 64K LMB");
	v = eval(b, f, on, model_memmap_counter("x86_64", 128ull << 20, 4096, 0), &why);
	ok(v == V_PASS &&
	   strstr(why, "back to the baseline"), "6.12 x86_64, memmap on the DIMM: PASS (%s)", why);
	v = eval(nb, nf, non, 512, &why);
	ok(v == V_PASS,
	   "7.2 x86_64, memmap elsewhere: the counter still grows by 512: PASS (%s)", why);
	v = eval(pb, pf, pon, model_memmap_counter("ppc64le", 256ull << 20, 65536, 0), &why);
	ok(v ==
	   V_PASS, "7.2 ppc64le 64K, =force: 16 (a page per section): PASS (%s)", why);
	v = eval(pb, pf, pon, 4, &why);
	ok(v == V_FAIL && strstr(why, "grew by 16"),
	   "a model counting the 4-page memmap itself FAILs: %s", why);
	v = eval(b, f, on, 1024, &why);
	ok(v == V_FAIL && strstr(why, "grew by 512") &&
	   strstr(why, "1024"), "a wrong model FAILs: %s", why);
	v = eval(b, on, on, 512, &why);
	ok(v == V_FAIL && strstr(why, "after teardown") &&
	   strstr(why, "+512"), "memmap not freed after teardown FAILs: %s", why);
	v = eval(b, on, NULL, 0, &why);
	ok(v == V_FAIL, "final not back FAILs without samples too");
	v = eval(ob, of, NULL, 0, &why);
	ok(v == V__COUNT, "6.1 has no nr_memmap_pages: no check");
	v = eval(ob, f, NULL, 0, &why);
	ok(v == V_ERROR && strstr(why, "not in the baseline"),
	   "the counter in only one snapshot is an ERROR: %s", why);
	return done();
}
