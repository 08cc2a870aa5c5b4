/* results.json in the run dir: the overall verdict, each check with its evidence, and
 * per-phase times. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "arch.h"
#include "json.h"
#include "matrix.h"
#include "report.h"
#include "guest.h"
#include "hpt.h"
#include "virt.h"

void report_json_render(struct strbuf *sb, const struct run *r)
{
	enum verdict all = result_overall(&r->res);
	uint64_t total = 0;
	struct json j;

	json_init(&j, sb, 1);
	json_obj_begin(&j, NULL);
	json_str(&j, "scenario", r->scn->name);
	json_str(&j, "file", r->scn->path);
	json_str(&j, "arch", r->arch->name);
	json_str(&j, "kernel", r->guest.kernel[0] ? r->guest.kernel : NULL);
	json_str(&j, "kernel_spec", guest_kernel_spec(r));
	json_str(&j, "kernel_package", r->kernel_package[0] ? r->kernel_package : NULL);
	json_str(&j, "accel", r->accel_used);
	{	/* the host stack (--stack; cli_job.c): what ran the guest */
		char qemu[32], libvirt[32];
		const char *stack = getenv("HPT_STACK");

		virt_versions(r->virt, qemu, libvirt, sizeof(qemu));
		json_obj_begin(&j, "host");
		json_str(&j, "stack", stack && *stack ? stack : "bookworm");
		json_str(&j, "qemu", qemu[0] ? qemu : NULL);
		json_str(&j, "libvirt", libvirt[0] ? libvirt : NULL);
		json_obj_end(&j);
	}
	if (r->notes[0])
		json_str(&j, "notes", r->notes);
	json_str(&j, "verdict", verdict_names[all]);
	json_i64(&j, "exit_code", verdict_exit_code(all));
	json_str(&j, "run_dir", r->dir);
	json_obj_begin(&j, "phases_ms");
	for (int p = 0; p < PHASE__COUNT; p++) {
		json_u64(&j, phase_names[p], r->phase_ms[p]);
		total += r->phase_ms[p];
	}
	json_obj_end(&j);
	json_u64(&j, "total_ms", total);
	if (r->restore.note[0]) {	/* how the guest started (restore.h) */
		json_obj_begin(&j, "restore");
		json_bool(&j, "used", r->restore.used);
		json_bool(&j, "saved", r->restore.saved);
		json_str(&j, "image", r->restore.image[0] ? r->restore.image : NULL);
		json_u64(&j, "save_ms", r->restore.save_ms);
		json_u64(&j, "restore_ms", r->restore.restore_ms);
		if (r->restore.used) {	/* the agent's proof that its timer runs */
			json_i64(&j, "timer_ms", r->restore.timer_ms);
			json_u64(&j, "timer_revived_cpus", (uint64_t)r->restore.timer_revived);
		}
		json_str(&j, "note", r->restore.note);
		json_obj_end(&j);
	}
	json_arr_begin(&j, "checks");
	for (size_t i = 0; i < r->res.n; i++) {
		const struct check *c = &r->res.checks[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "name", c->name);
		json_str(&j, "verdict", verdict_names[c->v]);
		if (c->lineno)
			json_u64(&j, "line", c->lineno);
		json_str(&j, "summary", c->summary);
		if (c->evidence)
			json_raw(&j, "evidence", c->evidence);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "snapshots");
	for (int i = 0; i < r->n_snaps; i++)
		json_str(&j, NULL, r->snaps[i].name);
	json_arr_end(&j);
	json_obj_end(&j);
	sb_adds(sb, "\n");
}

int report_json_write(const struct run *r)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX], tmp[PATH_MAX];
	int fd, rc = 0;

	if (!r->dir[0])
		return -ENOENT;
	report_json_render(&sb, r);
	snprintf(path, sizeof(path), "%s/results.json", r->dir);
	snprintf(tmp, sizeof(tmp), "%s/.results.json.tmp", r->dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len || fsync(fd) < 0)
		rc = -errno ? -errno : -EIO;
	if (fd >= 0)
		close(fd);
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	sb_release(&sb);
	return rc;
}

const struct reporter report_json = { .name = "json", .writes = "results.json",
				      .run_files = report_json_write,
				      .matrix_files = matrix_write_json };
