/* The offline step's classification on offlines recorded from real guests (the agent's
 * reply and the kernel log written meanwhile, tests/fixtures/x86_64-deb6.1-busy-*):
 * pinned ZONE_NORMAL memory retried until our signal, an unmovable slab page refusing
 * isolation, offlines under zram and zswap; and the expectation matrix, where a surprise
 * success fails. */
#include <errno.h>
#include <string.h>
#include "fixture.h"
#include "oracles.h"
#include "tap.h"

struct rec {
	struct strbuf reply, dmesg;
	int rc;
};

static void load(struct rec *r, const char *dir)
{
	char path[256];

	memset(r, 0, sizeof(*r));
	snprintf(path, sizeof(path), "%s/reply", dir);
	if (sb_read_file(&r->reply, path, 1 << 20) < 0 || !r->reply.len) {
		printf("Bail out! fixture %s\n", path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/dmesg", dir);
	sb_read_file(&r->dmesg, path, 1 << 20);
	r->rc = !strncmp(sb_str(&r->reply), "errno=", 6);
}

/* pins_on_blocks() on the pins reports recorded on x86_64 and pseries: where the pinned
 * pages lie decides what `offline dn pinned-by=pins` expects. */
static void pins_where(void)
{
	struct strbuf x86 = STRBUF_INIT, ppc = STRBUF_INIT;
	uint64_t on = 7, total = 7;

	if (sb_read_file(&x86, FIX("x86_64-deb6.1-pins-where/pinned.report"), 1 << 20) < 0 ||
	    sb_read_file(&ppc, FIX("ppc64le-deb6.1-pins-where/pinned.report"), 1 << 20) < 0) {
		printf("Bail out! pins-where fixtures\n");
		exit(1);
	}
	/* x86_64: dn is block 32 (its blocks file), every pinned page went there */
	ok(pins_on_blocks(sb_str(&x86), 32, 1, &on, &total) == 0 && on == 1024 && total == 1024,
	   "x86_64 6.1: all 1024 pinned pages on dn's block 32 (got %llu of %llu)",
	   (unsigned long long)on, (unsigned long long)total);
	/* pseries: dn is block 4; the pages went to node 1's boot memory (block 1) and block 0 */
	ok(pins_on_blocks(sb_str(&ppc), 4, 1, &on, &total) == 0 && on == 0 && total == 64,
	   "pseries 6.1: none of the 64 pinned pages on dn's block 4 (got %llu of %llu)",
	   (unsigned long long)on, (unsigned long long)total);
	ok(pins_on_blocks(sb_str(&ppc), 0, 2, &on, &total) == 0 && on == 64,
	   "pseries 6.1: all 64 on blocks 0-1 (got %llu)", (unsigned long long)on);
	ok(pins_on_blocks(sb_str(&ppc), 5, 1, &on, &total) == 0 && on == 0,
	   "pins.before.blocks (block 5, dm, before pinning) is not where they are pinned");
	ok(pins_on_blocks("pages=64\nmoved_at_pin=64\n", 4, 1, &on, &total) == -ENOENT,
	   "a report without pinned.blocks= is -ENOENT");
	ok(pins_on_blocks("pinned.blocks=4:x\n", 4, 1, &on, &total) == -EINVAL &&
	   pins_on_blocks("pinned.blocks=:3\n", 4, 1, &on, &total) == -EINVAL &&
	   pins_on_blocks("pinned.blocks=4:99999999999999999999\n", 4, 1, &on, &total) == -EINVAL,
	   "garbled pinned.blocks= is -EINVAL");
	ok(pins_on_blocks("pinned.blocks=\n", 4, 1, &on, &total) == 0 && total == 0,
	   "no pinned page at all: 0 of 0");
	sb_release(&x86);
	sb_release(&ppc);
}

int main(void)
{
	pins_where();
	struct rec pins, ebusy, zram, zswap;
	struct offline_obs o;
	char sum[600];

	load(&pins, FIX("x86_64-deb6.1-busy-pins/offline-dn"));
	offline_classify(pins.rc, sb_str(&pins.reply), sb_str(&pins.dmesg), &o);
	ok(o.outcome == OFF_TIMEOUT && o.err == EINTR && o.ok_blocks == 0,
	   "pinned ZONE_NORMAL: timeout (outcome %s)", offline_outcome_names[o.outcome]);
	ok(!strcmp(o.reason, "signal backoff"), "the kernel's reason: %s", o.reason);
	ok(o.migrate_failed > 0 && !strcmp(o.dumped, "migration failure"),
	   "migration failures logged (%llu), dump reason %s",
	   (unsigned long long)o.migrate_failed, o.dumped);
	ok(strstr(o.page, "refcount:1026") != NULL, "the dumped page carries the pin bias: %s",
	   o.page);
	ok(strstr(o.flags, "anon") == NULL && strstr(o.flags, "zone=2") != NULL,
	   "its flags say ZONE_NORMAL: %s", o.flags);
	ok(!o.kernel_error[0], "migration-failure dumps are not a kernel error");
	ok(offline_judge(OFF_TIMEOUT, &o, sum, sizeof(sum)) == V_PASS, "expect=timeout passes");
	ok(offline_judge(-1, &o, sum, sizeof(sum)) == V_FAIL && strstr(sum, "signal backoff"),
	   "a plain offline fails, naming the reason: %s", sum);
	ok(offline_judge(OFF_EBUSY, &o, sum, sizeof(sum)) == V_FAIL &&
	   strstr(sum, "expected ebusy"), "expect=ebusy fails: %s", sum);

	load(&ebusy, FIX("x86_64-deb6.1-busy-ebusy/offline-dn"));
	offline_classify(ebusy.rc, sb_str(&ebusy.reply), sb_str(&ebusy.dmesg), &o);
	ok(o.outcome == OFF_EBUSY && o.err == EBUSY, "unmovable page: EBUSY (outcome %s)",
	   offline_outcome_names[o.outcome]);
	ok(!strcmp(o.reason, "failure to isolate range") && !strcmp(o.dumped, "unmovable page"),
	   "reason %s, dump %s", o.reason, o.dumped);
	ok(strstr(o.flags, "slab") != NULL, "the unmovable page is a slab page: %s", o.flags);
	ok(!strcmp(o.range, "0x100000000-0x107ffffff"), "its range: %s", o.range);
	ok(offline_judge(OFF_EBUSY, &o, sum, sizeof(sum)) == V_PASS, "expect=ebusy passes");
	ok(offline_judge(OFF_TIMEOUT, &o, sum, sizeof(sum)) == V_FAIL, "expect=timeout fails");

	load(&zram, FIX("x86_64-deb6.1-busy-zram/offline-d0"));
	offline_classify(zram.rc, sb_str(&zram.reply), sb_str(&zram.dmesg), &o);
	ok(o.outcome == OFF_OK && o.blocks == 2 && o.ok_blocks == 2,
	   "under zram: both blocks offlined (%u/%u)", o.ok_blocks, o.blocks);
	ok(offline_judge(-1, &o, sum, sizeof(sum)) == V_PASS, "a plain offline passes: %s", sum);
	ok(offline_judge(OFF_EBUSY, &o, sum, sizeof(sum)) == V_FAIL &&
	   strstr(sum, "the kernel offlined it"), "a surprise success fails: %s", sum);

	load(&zswap, FIX("x86_64-deb6.1-busy-zswap/offline-d0"));
	offline_classify(zswap.rc, sb_str(&zswap.reply), sb_str(&zswap.dmesg), &o);
	ok(o.outcome == OFF_OK && o.ms > 0, "under zswap: offlined in %llu ms",
	   (unsigned long long)o.ms);

	/* the agent's child died: no block line */
	offline_classify(1, "errno=4 offline memory32.. interrupted\nchild killed by signal 9",
			 "", &o);
	ok(o.outcome == OFF_ERROR && strstr(o.agent_msg, "interrupted"),
	   "no block line: error (%s)", o.agent_msg);
	/* a failed block with a word the agent never sends: never "ok" (found by fuzzing) */
	offline_classify(1, "memory33 ok 12\nmemory32 weird\n", "", &o);
	ok(o.outcome == OFF_ERROR && o.ok_blocks == 1 && o.blocks == 2,
	   "unknown word on a failed block: error, not ok (outcome %d)", (int)o.outcome);
	/* "ok" that lists no block offlined nothing we know of: an error, never a PASS */
	offline_classify(0, "", "", &o);
	ok(o.outcome == OFF_ERROR && offline_judge(-1, &o, sum, sizeof(sum)) == V_FAIL &&
	   strstr(sum, "lists no memory block"), "a reply without block lines fails: %s", sum);
	/* a success about fewer blocks than the device has */
	offline_classify(0, "memory33 ok 12\n", "", &o);
	offline_expect_blocks(&o, 2);
	ok(o.outcome == OFF_ERROR && offline_judge(-1, &o, sum, sizeof(sum)) == V_FAIL &&
	   strstr(sum, "1 of the 2 memory blocks"), "one block of two listed fails: %s", sum);
	offline_classify(0, "memory33 ok 12\nmemory32 ok 9\n", "", &o);
	offline_expect_blocks(&o, 2);
	ok(o.outcome == OFF_OK, "both listed: ok");
	/* a 16 MiB reply of block lines is read in linear time (was quadratic: sscanf) */
	{
		struct strbuf big = STRBUF_INIT;

		while (big.len < (16u << 20) - 32)
			sb_adds(&big, "memory33 ok 1\n");
		offline_classify(0, sb_str(&big), "", &o);
		ok(o.outcome == OFF_OK && o.blocks == big.len / 14, "16 MiB reply: %u blocks read",
		   o.blocks);
		sb_release(&big);
	}
	/* a kernel problem logged while offlining makes it an error even when it succeeded */
	offline_classify(zram.rc, sb_str(&zram.reply),
			 "[1.0] BUG: Bad page state in process x  pfn:1\n", &o);
	ok(o.outcome == OFF_ERROR && strstr(o.kernel_error, "Bad page state"),
	   "a BUG in the window: error (%s)", o.kernel_error);
	{
		struct snapshot *b = fixture(FIX("x86_64-deb6.1-busy-zram/busy"));
		struct snapshot *a = fixture(FIX("x86_64-deb6.1-busy-zram/offline-d0"));
		struct strbuf ev = STRBUF_INIT;
		struct json j;

		offline_classify(zram.rc, sb_str(&zram.reply), sb_str(&zram.dmesg), &o);
		json_init(&j, &ev, 0);
		offline_evidence(&j, &o, -1, NULL, b, a);
		ok(strstr(sb_str(&ev), "\"zspages.0.Movable\":{\"before\":") != NULL &&
		   strstr(sb_str(&ev), "\"pgmigrate_success\":{\"before\":") != NULL,
		   "evidence: zspages per zone and migrations, before and after");
		sb_release(&ev);
	}
	return done();
}
