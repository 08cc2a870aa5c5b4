/* The virtio-mem oracle on snapshots recorded from a real 6.1 x86_64 guest
 * (tests/fixtures/x86_64-deb6.1-virtio-mem: a 512 MiB device at 4 GiB, sub-block plugged
 * to 100 MiB, grown to 256 MiB, shrunk to 0): it agrees with what the kernel did and
 * fires when the host's plugged size disagrees with the guest's view, or when the
 * memmap is expected on the device. */
#include <string.h>
#include "devkind.h"
#include "fixture.h"
#include "oracles.h"
#include "tap.h"
#include "vmem.h"

#define REGION 0x100000000ull
#define SIZE (512ull << 20)
#define MB(x) ((uint64_t)(x) << 20)

int main(void)
{
	struct snapshot *base = fixture(FIX("x86_64-deb6.1-virtio-mem/baseline"));
	struct snapshot *part = fixture(FIX("x86_64-deb6.1-virtio-mem/partial"));
	struct snapshot *grown = fixture(FIX("x86_64-deb6.1-virtio-mem/grown"));
	struct snapshot *shrunk = fixture(FIX("x86_64-deb6.1-virtio-mem/shrunk"));
	struct hpt_dev dev = { .name = "vm0", .size = SIZE, .kind = devkind_find("virtio-mem") };
	struct vmem_obs o;
	uint64_t at = 0;
	char why[512];

	int rc = vmem_find_region(part, &dev, 1, &dev, &at);

	ok(rc == 0 && at == REGION,
	   "the device's region is the virtioN range of its size in /proc/iomem (0x%llx)",
	   (unsigned long long)at);

	vmem_observe(base, part, REGION, SIZE, 4096, &o);
	ok(o.present == 1 && o.online == 1 && o.iomem_bytes == MB(128),
	   "100 MiB plugged: one whole 128 MiB block added and online (%u, %u, %llu)",
	   o.present, o.online, (unsigned long long)o.iomem_bytes);
	ok(o.managed_delta_pages == 25600 && o.present_delta_pages == 32768,
	   "sub-block plugging: managed +100 MiB, present +128 MiB (%lld, %lld)",
	   (long long)o.managed_delta_pages, (long long)o.present_delta_pages);
	ok(o.memtotal_delta_kb == 100 * 1024, "MemTotal +100 MiB: memmap elsewhere (%lld kB)",
	   (long long)o.memtotal_delta_kb);
	ok(vmem_judge(&o, MB(100), 0, 0, why, sizeof(why)) == V_PASS, "host 100 MiB: PASS (%s)",
	   why);
	ok(vmem_judge(&o, MB(96), 0, 0, why, sizeof(why)) == V_FAIL && strstr(why, "managed"),
	   "a plugged size that disagrees with the guest's view FAILs: %s", why);
	ok(vmem_judge(&o, MB(100), 0, MB(100) / 4096 * 64, why, sizeof(why)) == V_FAIL,
	   "expecting the memmap on the device FAILs: %s", why);

	vmem_observe(base, grown, REGION, SIZE, 4096, &o);
	ok(vmem_judge(&o, MB(256), 0, 0, why, sizeof(why)) == V_PASS && o.present == 2,
	   "256 MiB: two whole blocks, PASS (%s)", why);
	ok(vmem_judge(&o, MB(384), 0, 0, why, sizeof(why)) == V_FAIL &&
	   strstr(why, "only 256.0 MiB"), "the host claiming more than the guest has FAILs: %s",
	   why);
	ok(vmem_judge(&o, 0, 0, 0, why, sizeof(why)) == V_FAIL && strstr(why, "still"),
	   "nothing plugged but blocks left in the guest FAILs: %s", why);

	vmem_observe(part, grown, REGION, SIZE, 4096, &o);
	ok(vmem_judge(&o, MB(256), MB(100), 0, why, sizeof(why)) == V_PASS &&
	   o.managed_delta_pages == 156 * 256,
	   "deltas are measured from the plugged size at the base snapshot (%s)", why);
	ok(vmem_judge(&o, MB(256), 0, 0, why, sizeof(why)) == V_FAIL,
	   "a wrong plugged size at the base FAILs: %s", why);

	vmem_observe(base, shrunk, REGION, SIZE, 4096, &o);
	ok(o.present == 0 && o.iomem_bytes == 0 && o.memtotal_delta_kb == 0 &&
	   vmem_judge(&o, 0, 0, 0, why, sizeof(why)) == V_PASS,
	   "shrunk to 0: no block, no range, MemTotal back (%s)", why);
	{	/* the memslots check on QEMU 10.0.2's qom-get replies (through libvirt 11.3,
		 * --stack backports, 2026-12-05): as declared, or it fires */
		const char *on = "{\"return\": true, \"id\": \"libvirt-479\"}";
		const char *off = "{\"return\": false, \"id\": \"libvirt-490\"}";
		const char *no_prop = "{\"id\":\"libvirt-491\",\"error\":{\"class\":"
				      "\"GenericError\",\"desc\":\"Property 'virtio-mem-pci.memslots' "
				      "not found\"}}";

		ok(vmem_memslots_judge(1, on, why, sizeof(why)) == V_PASS, "dynamic, QEMU true: %s",
		   why);
		ok(vmem_memslots_judge(0, off, why, sizeof(why)) == V_PASS, "static, QEMU false: %s",
		   why);
		ok(vmem_memslots_judge(1, off, why, sizeof(why)) == V_FAIL &&
		   strstr(why, "dynamic-memslots=false"), "fires: dynamic declared, QEMU false: %s",
		   why);
		ok(vmem_memslots_judge(0, on, why, sizeof(why)) == V_FAIL,
		   "fires: static declared, QEMU true: %s", why);
		ok(vmem_memslots_judge(1, no_prop, why, sizeof(why)) == V_ERROR &&
		   strstr(why, "not found"), "an error reply is an ERROR naming it: %s", why);
		ok(vmem_memslots_judge(1, NULL, why, sizeof(why)) == V_ERROR, "no reply: ERROR");
		ok(vmem_memslots_judge(1, "{\"return\": 3}", why, sizeof(why)) == V_ERROR,
		   "garbled value: ERROR");
	}
	return done();
}
