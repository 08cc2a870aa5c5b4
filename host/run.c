/* Helpers shared by steps and oracles: clock, journal, devices, snapshots, logging. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "bundle.h"
#include "debugk.h"
#include "hpt.h"

const char *const phase_names[PHASE__COUNT] = {
	[PHASE_BOOT] = "boot", [PHASE_PLUG] = "plug", [PHASE_ONLINE] = "online",
	[PHASE_VERIFY] = "verify", [PHASE_TEARDOWN] = "teardown",
};

int hpt_verbosity;

void hpt_log(const char *fmt, ...)
{
	va_list ap;

	fputs("hotplug-test: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void hpt_verbose(const char *fmt, ...)
{
	va_list ap;

	if (!hpt_verbosity)
		return;
	fputs("hotplug-test: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void journal_add(struct run *r, enum jkind k, int dev, uint32_t block)
{
	struct jentry *e;

	if (r->n_journal >= HPT_JOURNAL_MAX)
		return;
	e = &r->journal[r->n_journal++];
	memset(e, 0, sizeof(*e));
	e->kind = k;
	e->dev = dev;
	e->block = block;
	e->t_ms = now_ms() - r->t0_ms;
}

struct hpt_dev *run_dev(struct run *r, const char *name)
{
	for (int i = 0; i < r->n_devs; i++)
		if (!strcmp(r->devs[i].name, name))
			return &r->devs[i];
	return NULL;
}

void run_wl_report(struct run *r, const char *name, const char *what, const char *text)
{
	struct wl_report *w = NULL;
	char path[PATH_MAX];
	FILE *f;

	for (int i = 0; i < r->n_wl && !w; i++)
		if (!strcmp(r->wl[i].name, name))
			w = &r->wl[i];
	if (!w && r->n_wl < HPT_WL_MAX) {
		w = &r->wl[r->n_wl++];
		snprintf(w->name, sizeof(w->name), "%s", name);
	}
	if (w) {
		free(w->text);
		w->text = strdup(text);
	}
	snprintf(path, sizeof(path), "%s/workloads", r->dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/workloads/%s-%s.report", r->dir, name, what);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

const char *run_wl_last(const struct run *r, const char *name)
{
	for (int i = 0; i < r->n_wl; i++)
		if (!strcmp(r->wl[i].name, name))
			return r->wl[i].text;
	return NULL;
}

void run_release(struct run *r)
{
	for (int k = 0; k < r->n_snaps; k++)
		snapshot_free(&r->snaps[k].snap);
	r->n_snaps = 0;
	results_free(&r->res);
	for (int i = 0; i < r->n_wl; i++)
		free(r->wl[i].text);
	r->n_wl = 0;
	free(r->frames);
	r->frames = NULL;
	r->n_frames = r->alloc_frames = 0;
}

const struct snapshot *run_snap(const struct run *r, const char *name)
{
	for (int i = r->n_snaps - 1; i >= 0; i--)
		if (!strcmp(r->snaps[i].name, name))
			return &r->snaps[i].snap;
	return NULL;
}

/* Writes the bundle's files to dir (names are validated by the bundle parser). */
static int save_bundle(const char *dir, const char *payload, size_t len)
{
	struct bundle_iter it;
	struct bundle_file f;
	int rc;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	bundle_iter_init(&it, payload, len);
	while ((rc = bundle_next(&it, &f)) == 1) {
		char path[PATH_MAX];
		int fd;

		if (strchr(f.name, '/'))
			continue;	/* snapshots are flat */
		snprintf(path, sizeof(path), "%s/%s", dir, f.name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return -errno;
		if (write(fd, f.data, f.len) != (ssize_t)f.len) {
			close(fd);
			return -EIO;
		}
		close(fd);
	}
	return rc < 0 ? rc : 0;
}

int run_snapshot(struct run *r, const char *name, int with_kpage, const struct snapshot **out)
{
	struct strbuf ranges = STRBUF_INIT;
	int rc;

	for (int i = 0; with_kpage && i < r->n_devs; i++) {
		const struct hpt_dev *d = &r->devs[i];

		if (!d->n_blocks)	/* removed ones too: their pfns must read NOPAGE */
			continue;
		sb_addf(&ranges, "%s%llu+%llu", ranges.len ? " " : "",
			(unsigned long long)(d->base / r->guest.page_size),
			(unsigned long long)(d->size / r->guest.page_size));
	}
	rc = run_snapshot_ranges(r, name, sb_str(&ranges), out);
	sb_release(&ranges);
	if (rc == 0)
		debugk_sample(r);	/* debug kernels: hotplug-path pages at their peak */
	return rc;
}

int run_snapshot_ranges(struct run *r, const char *name, const char *ranges,
			const struct snapshot **out)
{
	struct strbuf req = STRBUF_INIT, reply = STRBUF_INIT;
	struct named_snap *ns;
	char dir[PATH_MAX], err[256];
	int rc;

	if (r->n_snaps >= HPT_SNAPS_MAX) {
		snprintf(r->chan.err, sizeof(r->chan.err), "more than %d snapshots", HPT_SNAPS_MAX);
		return -E2BIG;
	}
	sb_adds(&req, "snapshot");
	if (ranges && ranges[0])
		sb_addf(&req, " %s", ranges);
	rc = chan_call(&r->chan, run_timeout(r, 30000), &reply, "%s", sb_str(&req));
	if (rc != 0) {
		if (rc == 1)
			snprintf(r->chan.err, sizeof(r->chan.err), "agent refused snapshot: %.200s",
				 sb_str(&reply));
		rc = rc == 1 ? -EIO : rc;
		goto cleanup;
	}
	/* each reply is bounded (HPT_PAYLOAD_MAX); what we keep of them is bounded too */
	if (r->guest_bytes + reply.len > HPT_GUEST_BYTES_MAX) {
		snprintf(r->chan.err, sizeof(r->chan.err), "snapshot %s: the guest has sent %llu "
			 "MiB of snapshots, more than the %u MiB a run keeps", name,
			 (unsigned long long)(r->guest_bytes + reply.len) >> 20,
			 HPT_GUEST_BYTES_MAX >> 20);
		rc = -E2BIG;
		goto cleanup;
	}
	r->guest_bytes += reply.len;
	snprintf(dir, sizeof(dir), "%s/snapshots", r->dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/snapshots/%02d-%s", r->dir, r->n_snaps, name);
	rc = save_bundle(dir, reply.buf, reply.len);
	if (rc < 0) {
		snprintf(r->chan.err, sizeof(r->chan.err), "save snapshot %s: %s", name,
			 strerror(-rc));
		goto cleanup;
	}
	ns = &r->snaps[r->n_snaps];
	memset(ns, 0, sizeof(*ns));
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	rc = snapshot_parse_bundle(&ns->snap, reply.buf, reply.len, err, sizeof(err));
	if (rc < 0) {
		snprintf(r->chan.err, sizeof(r->chan.err), "snapshot %s from guest: %s", name, err);
		snapshot_free(&ns->snap);
		goto cleanup;
	}
	snprintf(ns->snap.name, sizeof(ns->snap.name), "%s", name);
	r->n_snaps++;
	if (out)
		*out = &ns->snap;
cleanup:
	sb_release(&req);
	sb_release(&reply);
	return rc;
}

uint64_t run_timeout(const struct run *r, uint64_t base_ms)
{
	static double scale;
	const char *s;

	(void)r;
	if (!scale) {
		s = getenv("HPT_TIMEOUT_SCALE");
		scale = s ? strtod(s, NULL) : 1.0;
		if (!(scale >= 0.1 && scale <= 100))
			scale = 1.0;
	}
	return (uint64_t)((double)base_ms * scale);
}
