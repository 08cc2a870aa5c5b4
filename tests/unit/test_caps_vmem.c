/* The capability model and the expectation model for virtio-mem and NVDIMM: where they
 * exist (else the SKIP reason), and that 6.1 never puts their memmap on the device. */
#include <string.h>
#include "caps.h"
#include "model.h"
#include "tap.h"

static enum cap_answer plug_cfg(const char *arch, const char *kind, const char *config,
				 struct cap_fact *f)
{
	struct cap_query q = { .arch = arch, .kind = kind, .kernel = CAP_VER(6, 1),
			       .qemu = CAP_QEMU(7, 2), .config = config };

	return caps_ask(CAP_PLUG, &q, f);
}

static enum cap_answer plug(const char *arch, const char *kind, struct cap_fact *f)
{
	return plug_cfg(arch, kind, NULL, f);
}

int main(void)
{
	struct placement_in in = { .arch = "x86_64", .major = 6, .minor = 1,
		.cmdline = "memory_hotplug.memmap_on_memory=1", .devkind = "virtio-mem",
		.size = 128ull << 20, .block_size = 128ull << 20, .page_size = 4096 };
	struct placement_pred p;
	struct cap_fact f;

	ok(plug("x86_64", "virtio-mem", &f) == CAP_YES && f.granule == 2ull << 20,
	   "x86_64: virtio-mem, 2 MiB device blocks (%s)", f.why);
	ok(plug("ppc64le", "virtio-mem", &f) == CAP_NO && strstr(f.why, "pseries has no virtio-mem"),
	   "pseries: SKIP with the reason (%s)", f.why);
	ok(plug("s390x", "virtio-mem", &f) == CAP_NO && strstr(f.why, "virtio-mem-ccw came in QEMU 10.0"),
	   "s390x on QEMU 7.2: SKIP with the reason (%s)", f.why);
	{	/* s390x virtio-mem-ccw: QEMU >= 10.0, libvirt >= 11.1, a 6.13+ kernel with it */
		const char *vm = "CONFIG_VIRTIO_MEM=y\n";
		struct cap_query q = { .arch = "s390x", .kind = "virtio-mem",
				       .kernel = CAP_VER(7, 3), .qemu = CAP_QEMU(10, 0) + 2,
				       .libvirt = CAP_LIBVIRT(11, 3), .config = vm };

		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_YES && f.granule == 1ull << 20 &&
		   strstr(f.why, "QEMU 10.0, libvirt 11.3"),
		   "s390x, QEMU 10.0 + libvirt 11.3, 7.3 with CONFIG_VIRTIO_MEM: plugs (%s)", f.why);
		q.libvirt = CAP_LIBVIRT(9, 0);
		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_NO && strstr(f.why, "libvirt 9.0") &&
		   strstr(f.why, "11.1") && strstr(f.why, "--stack backports"),
		   "s390x, QEMU 10 but libvirt 9.0: SKIP naming the version that runs it (%s)",
		   f.why);
		q.libvirt = CAP_LIBVIRT(11, 0) + 999;
		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_NO, "s390x, libvirt 11.0.999: not yet");
		q.libvirt = CAP_LIBVIRT(11, 1);
		q.config = "CONFIG_MEMORY_HOTPLUG=y\n";	/* Debian's 7.2 s390x: no VIRTIO_MEM */
		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_NO && strstr(f.why, "lacks CONFIG_VIRTIO_MEM"),
		   "s390x kernel without CONFIG_VIRTIO_MEM: SKIP naming it (%s)", f.why);
		q.config = vm;
		q.kernel = CAP_VER(6, 12);
		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_NO && strstr(f.why, "6.13"),
		   "s390x 6.12 guest: SKIP, virtio-mem came in 6.13 (%s)", f.why);
		q.kernel = CAP_VER(7, 3);
		q.qemu = CAP_QEMU(7, 2);
		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_NO && strstr(f.why, "QEMU 10.0"),
		   "s390x on QEMU 7.2: SKIP naming the QEMU that has it (%s)", f.why);
		q.qemu = 0;
		q.libvirt = 0;
		ok(caps_ask(CAP_PLUG, &q, &f) != CAP_YES,
		   "s390x with the versions unknown: never a YES (%s)", f.why);
	}
	ok(plug("x86_64", "nvdimm", &f) == CAP_YES, "x86_64: NVDIMM (%s)", f.why);
	/* measured: even with CONFIG_PAPR_SCM, QEMU 7.2/10.0 TCG has no dcbstps */
	ok(plug_cfg("ppc64le", "nvdimm", "CONFIG_LIBNVDIMM=y\nCONFIG_PAPR_SCM=y\n", &f) == CAP_NO &&
	   strstr(f.why, "dcbstps") && strstr(f.why, "QEMU 7.2's TCG") &&
	   strstr(f.why, "CONFIG_PAPR_SCM") && strlen(f.why) < sizeof(f.why) - 1,
	   "pseries NVDIMM on QEMU 7.2: SKIP naming the missing instruction, whole (%s)", f.why);
	{
		struct cap_query q = { .arch = "ppc64le", .kind = "nvdimm",
				       .kernel = CAP_VER(7, 3), .qemu = CAP_QEMU(11, 1) };

		ok(caps_ask(CAP_PLUG, &q, &f) == CAP_UNKNOWN && strstr(f.why, "not measured"),
		   "pseries NVDIMM on a QEMU not measured: unknown, not a SKIP (%s)", f.why);
	}
	model_placement(&in, &p);
	ok(p.p == PLACE_ELSEWHERE, "6.1 virtio-mem of exactly one block with the parameter: "
	   "memmap elsewhere (%s)", p.why);
	in.devkind = "nvdimm";
	model_placement(&in, &p);
	ok(p.p == PLACE_ELSEWHERE, "6.1 dax kmem memory: memmap elsewhere (%s)", p.why);
	in.devkind = "dimm";
	model_placement(&in, &p);
	ok(p.p == PLACE_ON_BLOCK, "control: a one-block ACPI DIMM with the parameter is on-block");
	return done();
}
