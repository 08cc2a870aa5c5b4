/* libFuzzer target: the guest's view of hot-plugged memory as steps judge it from two
 * snapshot bundles, a base and a later one (input: base, NUL, now; without a NUL both
 * are the input): finding virtio-mem regions (vmem_find_region), the virtio-mem and
 * dax kmem views (vmem_observe, ram_observe, vmem_judge, vmem_evidence), and the
 * offline evidence built from the counters and the dmesg of both (offline_classify,
 * offline_evidence). The bundle parser itself is fuzz_bundle's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "devkind.h"
#include "jsonr.h"
#include "oracles.h"
#include "snapshot.h"
#include "vmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static void valid_json(struct strbuf *sb)
{
	struct jr_val v;
	char err[128];

	if (jr_parse(&v, sb->buf ? sb->buf : "", sb->len, err, sizeof(err)) < 0 ||
	    v.type != JR_OBJ)
		abort();
	jr_free(&v);
	sb_release(sb);
}

/* One region judged as `expect virtio-mem` / `dax kmem` would, for a few plugged sizes. */
static void view(const struct snapshot *base, const struct snapshot *now, uint64_t region,
		 uint64_t rsize, const char *ram)
{
	/* the host's plugged size; for dax kmem what the namespace's sysfs numbers give */
	const uint64_t plugged[] = { 0, 100ull << 20, 256ull << 20, 896ull << 20, rsize };
	struct strbuf sb = STRBUF_INIT;
	struct vmem_obs o;
	struct json j;
	char why[512];

	if (ram)
		ram_observe(base, now, region, rsize, 4096, ram, &o);
	else
		vmem_observe(base, now, region, rsize, 4096, &o);
	if (o.online > o.present || !TERMINATED(o.zones) || !o.ram || !o.who ||
	    o.region != region || o.size != rsize)
		abort();
	for (size_t i = 0; i < sizeof(plugged) / sizeof(plugged[0]); i++) {
		enum verdict v = vmem_judge(&o, plugged[i], 0, 0, why, sizeof(why));

		if ((v != V_PASS && v != V_FAIL) || !TERMINATED(why) || !why[0])
			abort();
		if (v == V_PASS && (o.online != o.present || o.iomem_bytes < plugged[i]))
			abort();
	}
	json_init(&j, &sb, 0);
	json_obj_begin(&j, NULL);
	vmem_evidence(&j, &o, 256ull << 20, 256ull << 20, 0, NULL);
	json_obj_end(&j);
	valid_json(&sb);
}

static void judge(const struct snapshot *base, const struct snapshot *now)
{
	const struct devkind *vm = devkind_find("virtio-mem");
	struct hpt_dev devs[3] = {	/* two 512 MiB devices (the second: the second range) */
		{ .name = "vm0", .kind = vm, .size = 512ull << 20 },
		{ .name = "vm1", .kind = vm, .size = 512ull << 20 },
		{ .name = "vm2", .kind = vm, .size = 1ull << 30 },
	};
	struct strbuf sb = STRBUF_INIT;
	struct offline_obs o;
	struct json j;
	uint64_t at;

	for (int i = 0; i < 3; i++) {
		if (vmem_find_region(now, devs, 3, &devs[i], &at) < 0)
			continue;
		{	/* it names a top-level "virtioN" range of the device's size */
			int found = 0;

			for (size_t k = 0; k < now->n_iomem && !found; k++)
				found = now->iomem[k].start == at &&
					!strncmp(now->iomem[k].name, "virtio", 6) &&
					now->iomem[k].end - now->iomem[k].start + 1 == devs[i].size;
			if (!found)
				abort();
		}
		view(base, now, at, devs[i].size, NULL);
	}
	/* the recorded namespace: 1 GiB at 4 GiB, dax kmem ranges in it; then start and size
	 * as a guest's sysfs may give them (read_u64 in step_dax.c): any numbers */
	view(base, now, 4ull << 30, 1ull << 30, "System RAM (kmem)");
	for (size_t k = 0; k < now->n_iomem && k < 4; k++)
		view(base, now, now->iomem[k].start, now->iomem[k].end - now->iomem[k].start + 1,
		     "System RAM (kmem)");
	view(base, now, 4ull << 30, 512ull << 20, NULL);
	offline_classify(0, "memory33 ok 150\nmemory32 ok 2278\n", now->dmesg, &o);
	if (!TERMINATED(o.page) || !TERMINATED(o.flags) || !TERMINATED(o.kernel_error))
		abort();
	json_init(&j, &sb, 0);
	offline_evidence(&j, &o, -1, NULL, base, now);
	valid_json(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t blen = nul ? (size_t)(nul - (const char *)data) : size;
	const char *second = nul ? nul + 1 : (const char *)data;
	size_t slen = nul ? size - blen - 1 : size;
	struct snapshot base, now;
	char err[256];

	if (snapshot_parse_bundle(&base, (const char *)data, blen, err, sizeof(err)) < 0)
		return 0;
	if (snapshot_parse_bundle(&now, second, slen, err, sizeof(err)) == 0) {
		judge(&base, &now);
		snapshot_free(&now);
	}
	snapshot_free(&base);
	return 0;
}
