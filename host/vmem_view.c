/* The guest's view of hot-added memory judged against the host's plugged size: the pure
 * decision of `expect virtio-mem`, `resize` and `dax kmem` (see oracles.h), unit-tested on
 * recorded snapshots (tests/unit/test_vmem.c, test_altmap.c) and fuzzed
 * (tests/fuzz/fuzz_guest_view.c). The runtime that gathers the snapshots is
 * dev_virtio_mem.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "oracles.h"

#define MIB(x) ((double)(x) / 1048576.0)

static uint64_t region_iomem(const struct snapshot *s, uint64_t region, uint64_t size,
			     const char *ram_name)
{
	uint64_t sum = 0, end = region + size - 1;

	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct iomem_range *g = &s->iomem[i];

		if (strcmp(g->name, ram_name) || g->end < region || g->start > end)
			continue;
		sum += (g->end < end ? g->end : end) - (g->start > region ? g->start : region) + 1;
	}
	return sum;
}

static void zone_sums(const struct snapshot *s, uint64_t *present, uint64_t *managed)
{
	*present = *managed = 0;
	for (size_t i = 0; i < s->n_zones; i++) {
		*present += s->zones[i].present;
		*managed += s->zones[i].managed;
	}
}

void vmem_observe(const struct snapshot *base, const struct snapshot *now, uint64_t region,
		  uint64_t size, uint64_t page_size, struct vmem_obs *o)
{
	ram_observe(base, now, region, size, page_size, "System RAM (virtio_mem)", o);
}

void ram_observe(const struct snapshot *base, const struct snapshot *now, uint64_t region,
		 uint64_t size, uint64_t page_size, const char *ram_name, struct vmem_obs *o)
{
	uint64_t bs = now->block_size ? now->block_size : 1, p0, m0, p1, m1, t0 = 0, t1 = 0;

	memset(o, 0, sizeof(*o));
	o->ram = ram_name;
	o->who = "host";
	o->region = region;
	o->size = size;
	o->block_size = now->block_size;
	o->page_size = page_size;
	o->iomem_bytes = region_iomem(now, region, size, ram_name);
	o->iomem_base = region_iomem(base, region, size, ram_name);
	for (size_t i = 0; i < now->n_blocks; i++) {
		const struct mem_block *b = &now->blocks[i];

		if ((uint64_t)b->index < region / bs || (uint64_t)b->index >= (region + size) / bs)
			continue;
		o->present++;
		if (b->state != BLOCK_ONLINE)
			continue;
		o->online++;
		if (!strstr(o->zones, b->zone) && strlen(o->zones) + strlen(b->zone) + 2 <
		    sizeof(o->zones))
			snprintf(o->zones + strlen(o->zones), sizeof(o->zones) - strlen(o->zones),
				 "%s%s", o->zones[0] ? "," : "", b->zone);
	}
	zone_sums(base, &p0, &m0);
	zone_sums(now, &p1, &m1);
	/* the guest's counts may be anything: differences in unsigned, never signed overflow */
	o->present_delta_pages = (int64_t)(p1 - p0);
	o->managed_delta_pages = (int64_t)(m1 - m0);
	snap_meminfo(base, "MemTotal", &t0);
	snap_meminfo(now, "MemTotal", &t1);
	o->memtotal_delta_kb = (int64_t)(t1 - t0);
}

/* n units in bytes; INT64_MIN (matching no plugged delta) if the guest's count is that big */
static int64_t bytes_of(int64_t n, int64_t unit)
{
	int64_t b;

	return __builtin_mul_overflow(n, unit, &b) ? INT64_MIN : b;
}

enum verdict vmem_judge(const struct vmem_obs *o, uint64_t plugged, uint64_t base_plugged,
			uint64_t memmap_on_device, char *why, size_t n)
{
	int64_t delta = (int64_t)plugged - (int64_t)base_plugged;
	int64_t want = delta - (int64_t)memmap_on_device;
	int64_t pg = (int64_t)(o->page_size ? o->page_size : 4096);
	int64_t managed = bytes_of(o->managed_delta_pages, pg);
	int64_t present = bytes_of(o->present_delta_pages, pg);
	int64_t memtotal = bytes_of(o->memtotal_delta_kb, 1024);
	int64_t added = (int64_t)(o->iomem_bytes - o->iomem_base);

	if (plugged > o->iomem_bytes) {
		snprintf(why, n, "%s: %.1f MiB plugged, but the guest has only %.1f MiB "
			 "of %s in the region", o->who, MIB(plugged), MIB(o->iomem_bytes), o->ram);
		return V_FAIL;
	}
	if (!plugged && o->iomem_bytes) {
		snprintf(why, n, "nothing is plugged, but %.1f MiB of %s and %u memory blocks "
			 "are still in the guest", MIB(o->iomem_bytes), o->ram, o->present);
		return V_FAIL;
	}
	if (o->iomem_bytes != (uint64_t)o->present * o->block_size) {
		snprintf(why, n, "%s spans %.1f MiB but %u memory blocks of %.0f MiB are present",
			 o->ram, MIB(o->iomem_bytes), o->present, MIB(o->block_size));
		return V_FAIL;
	}
	if (o->online != o->present) {
		snprintf(why, n, "%u of the region's %u memory blocks are not online",
			 o->present - o->online, o->present);
		return V_FAIL;
	}
	if (managed != want) {
		snprintf(why, n, "zone managed pages grew by %.1f MiB, the host's plugged size by "
			 "%.1f MiB (memmap on the device expected: %.1f MiB)%s",
			 MIB(managed), MIB(delta), MIB(memmap_on_device),
			 managed == delta - delta / 64 && delta ?
			 ": exactly as if the memmap were on the device" : "");
		return V_FAIL;
	}
	if (memtotal != want) {
		snprintf(why, n, "MemTotal grew by %.1f MiB, the host's plugged size by %.1f MiB",
			 MIB(memtotal), MIB(delta));
		return V_FAIL;
	}
	if (present != added) {
		snprintf(why, n, "zone present pages grew by %.1f MiB, the added memory blocks by "
			 "%.1f MiB", MIB(present), MIB(added));
		return V_FAIL;
	}
	snprintf(why, n, "plugged %.1f MiB (%s) = guest: %u memory block(s) online in %s, "
		 "%.1f MiB %s%s, MemTotal %+.1f MiB and zone managed %+.1f MiB "
		 "= plugged delta%s", MIB(plugged), o->who, o->present, o->present ? o->zones : "-",
		 MIB(o->iomem_bytes), o->ram, o->iomem_bytes > plugged ? " (sub-block plugged: the rest of "
		 "the blocks stays fake-offline, present but not managed)" : "",
		 MIB(memtotal), MIB(managed),
		 memmap_on_device ? " minus the memmap on the device" : ", memmap elsewhere");
	return V_PASS;
}

void vmem_evidence(struct json *j, const struct vmem_obs *o, uint64_t requested,
		   uint64_t plugged, uint64_t base_plugged, const struct placement_pred *pred)
{
	json_u64(j, "region", o->region);
	json_u64(j, "region_size", o->size);
	json_u64(j, "requested", requested);
	json_u64(j, "host_plugged", plugged);
	json_u64(j, "host_plugged_at_base", base_plugged);
	json_obj_begin(j, "guest");
	json_u64(j, "memory_blocks_present", o->present);
	json_u64(j, "memory_blocks_online", o->online);
	json_str(j, "zones", o->zones);
	json_u64(j, "iomem_virtio_mem_bytes", o->iomem_bytes);
	json_u64(j, "iomem_virtio_mem_bytes_at_base", o->iomem_base);
	json_i64(j, "memtotal_delta_kb", o->memtotal_delta_kb);
	json_i64(j, "managed_delta_pages", o->managed_delta_pages);
	json_i64(j, "present_delta_pages", o->present_delta_pages);
	json_obj_end(j);
	if (pred) {
		json_str(j, "memmap_model", placement_names[pred->p]);
		json_str(j, "model_says", pred->why);
	}
}

int vmem_find_region(const struct snapshot *s, const struct hpt_dev *devs, int n_devs,
		     const struct hpt_dev *d, uint64_t *base)
{
	int nth = 0, seen = 0;

	/* the k-th virtio-mem device (declaration order) is the k-th region of its size:
	 * QEMU hands out device memory in command-line order, libvirt keeps XML order */
	for (int i = 0; i < n_devs && &devs[i] != d; i++)
		if (devs[i].kind == d->kind && devs[i].size == d->size)
			nth++;
	for (size_t i = 0; i < s->n_iomem; i++) {
		const struct iomem_range *g = &s->iomem[i];

		if (strncmp(g->name, "virtio", 6) || !strchr("0123456789", g->name[6]) ||
		    g->end - g->start + 1 != d->size)
			continue;
		if (seen++ == nth) {
			*base = g->start;
			return 0;
		}
	}
	return -ENOENT;
}

enum verdict vmem_memslots_judge(int dynamic, const char *reply, char *why, size_t n)
{
	const char *ret = reply ? strstr(reply, "\"return\"") : NULL;
	int is;

	if (!ret) {
		snprintf(why, n, "QEMU gave no value for dynamic-memslots: %.160s",
			 reply ? reply : "no reply");
		return V_ERROR;
	}
	ret += strlen("\"return\"");
	ret += strspn(ret, " :");
	if (!strncmp(ret, "true", 4))
		is = 1;
	else if (!strncmp(ret, "false", 5))
		is = 0;
	else {
		snprintf(why, n, "dynamic-memslots is neither true nor false: %.160s", reply);
		return V_ERROR;
	}
	if (is != dynamic) {
		snprintf(why, n, "memslots=%s declared, but QEMU runs the device with "
			 "dynamic-memslots=%s", dynamic ? "dynamic" : "static", is ? "true" : "false");
		return V_FAIL;
	}
	snprintf(why, n, "QEMU runs the device with dynamic-memslots=%s, as declared (memslots=%s)",
		 is ? "true" : "false", dynamic ? "dynamic" : "static");
	return V_PASS;
}
