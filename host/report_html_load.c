/* Reading a run dir for its report (see report_html.h): results.json, the snapshots in
 * the order they were taken, which logs exist, and the run's events (plug, online,
 * offline, unplug) placed between the snapshots they fell between. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "report_html.h"

#define RESULTS_MAX (64u << 20)

const char *const rev_names[REV__COUNT] = { "plug", "online", "offline", "unplug" };
const char *const rev_colours[REV__COUNT] = { "#2b6cb0", "#2f855a", "#b7791f", "#6b46c1" };

static void missing(struct rundoc *d, const char *what)
{
	sb_addf(&d->missing, "%s%s", d->missing.len ? "; " : "", what);
}

const struct jr_val *rd_checks(const struct rundoc *d)
{
	static const struct jr_val none = { .type = JR_ARR };
	const struct jr_val *c = jr_get(&d->res, "checks");

	return c && c->type == JR_ARR ? c : &none;
}

const struct jr_val *rd_check(const struct rundoc *d, const char *name)
{
	const struct jr_val *c = rd_checks(d);

	for (size_t i = 0; i < c->len; i++)
		if (!strcmp(jr_str(&c->items[i], "name", ""), name))
			return &c->items[i];
	return NULL;
}

int rd_has(const struct rundoc *d, const char *file)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/%s", d->dir, file);
	return access(path, F_OK) == 0;
}

const char *rd_dev_of(const char *snap, const char *prefix)
{
	size_t n = strlen(prefix);

	return !strncmp(snap, prefix, n) && snap[n] ? snap + n : NULL;
}

static int snap_cmp(const void *a, const void *b)
{
	const struct rsnap *x = a, *y = b;

	return (x->nn > y->nn) - (x->nn < y->nn);
}

/* snapshots/NN-NAME/ in NN order; unreadable ones are kept with their error. */
static int load_snaps(struct rundoc *d)
{
	char path[PATH_MAX + 256];
	struct dirent *e;
	size_t alloc = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/snapshots", d->dir);
	dir = opendir(path);
	if (!dir) {
		const struct jr_val *names = jr_get(&d->res, "snapshots");

		/* a run that took none (skipped before booting) lacks nothing */
		if (!names || names->type != JR_ARR || names->len)
			missing(d, "no snapshots/ directory (no timeline, block map nor trend)");
		return 0;
	}
	while ((e = readdir(dir))) {
		char *end;
		long nn = strtol(e->d_name, &end, 10);
		struct rsnap *s;

		if (end == e->d_name || *end != '-' || !end[1] || nn < 0 || nn > 1000000 ||
		    strlen(e->d_name) >= sizeof(s->dir))
			continue;
		if (d->n_snaps == alloc) {
			struct rsnap *n = realloc(d->snaps, (alloc = alloc ? 2 * alloc : 64) *
						  sizeof(*n));

			if (!n) {
				closedir(dir);
				return -ENOMEM;
			}
			d->snaps = n;
		}
		s = &d->snaps[d->n_snaps++];
		memset(s, 0, sizeof(*s));
		s->nn = (int)nn;
		snprintf(s->dir, sizeof(s->dir), "%s", e->d_name);
	}
	closedir(dir);
	if (d->n_snaps)
		qsort(d->snaps, d->n_snaps, sizeof(*d->snaps), snap_cmp);
	for (size_t i = 0; i < d->n_snaps; i++) {
		struct rsnap *s = &d->snaps[i];

		s->name = strchr(s->dir, '-') + 1;
		snprintf(path, sizeof(path), "%s/snapshots/%s", d->dir, s->dir);
		s->loaded = snapshot_load_dir(&s->s, path, s->err, sizeof(s->err)) == 0;
		if (!s->loaded) {
			char m[400];

			snprintf(m, sizeof(m), "snapshot %s unreadable: %s", s->dir, s->err);
			missing(d, m);
		}
		if (d->baseline < 0 && !strcmp(s->name, "baseline"))
			d->baseline = (int)i;
	}
	if (d->baseline < 0 && d->n_snaps)
		d->baseline = 0;
	return 0;
}

static void add_event(struct rundoc *d, enum rev_kind k, double x, const char *dev)
{
	struct rev *n;

	if (d->n_events % 64 == 0) {
		n = realloc(d->events, (d->n_events + 64) * sizeof(*n));
		if (!n)
			return;
		d->events = n;
	}
	n = &d->events[d->n_events++];
	n->kind = k;
	n->x = x;
	snprintf(n->dev, sizeof(n->dev), "%s", dev);
}

/* How often the teardown order's sequence has entry `what dev` ("removed d0"). */
static int seq_count(const struct rundoc *d, const char *what, const char *dev)
{
	const struct jr_val *c = rd_check(d, "teardown order");
	const struct jr_val *seq = c ? jr_get(jr_get(c, "evidence"), "sequence") : NULL;
	char want[64];
	int n = 0;

	snprintf(want, sizeof(want), "%s %s", what, dev);
	for (size_t i = 0; seq && seq->type == JR_ARR && i < seq->len; i++)
		n += seq->items[i].type == JR_STR && !strcmp(seq->items[i].str, want);
	return n;
}

struct dev_track {
	char dev[32];
	int plugged;		/* 1 between a plug and its removal */
	int plugs;		/* plugs seen so far */
	double last_off;	/* x of its last offline snapshot, -1 = none */
};

/* Events from the snapshot names the steps use: pre-online-D right after a plug,
 * online-D after onlining (or after a plug the guest onlined itself: pseries), offline-D
 * after offlining, unplug-D after an unplug the guest refused. An unplug that worked
 * takes no snapshot: it is placed after the device's last offline snapshot when the
 * teardown check's sequence saw the device removed (and plugged again, if it was). */
static void find_events(struct rundoc *d)
{
	struct dev_track devs[64];
	size_t n_devs = 0;

	for (size_t i = 0; i < d->n_snaps; i++) {
		const char *nm = d->snaps[i].name, *dev;
		struct dev_track *t;
		enum rev_kind k;
		size_t j;
		int plug;

		if ((dev = rd_dev_of(nm, "pre-online-")))
			k = REV_PLUG;
		else if ((dev = rd_dev_of(nm, "online-")))
			k = REV_ONLINE;
		else if ((dev = rd_dev_of(nm, "offline-")))
			k = REV_OFFLINE;
		else if ((dev = rd_dev_of(nm, "unplug-")))
			k = REV_UNPLUG;
		else
			continue;
		for (j = 0; j < n_devs && strcmp(devs[j].dev, dev); j++)
			;
		if (j == n_devs) {
			if (n_devs == 64 || strlen(dev) >= sizeof(devs[0].dev))
				continue;
			memset(&devs[j], 0, sizeof(devs[j]));
			snprintf(devs[j].dev, sizeof(devs[j].dev), "%s", dev);
			devs[j].last_off = -1;
			n_devs++;
		}
		t = &devs[j];
		/* an online is a plug too when the device is not plugged, or when the
		 * sequence has more plugs of it than seen so far after it was offlined */
		plug = k == REV_PLUG || (k == REV_ONLINE && (!t->plugged ||
			(t->last_off >= 0 && t->plugs < seq_count(d, "plug", dev))));
		if (plug && t->plugged && t->last_off >= 0 &&
		    seq_count(d, "removed", dev) >= t->plugs)
			add_event(d, REV_UNPLUG, t->last_off + 0.5, dev);
		if (plug) {
			add_event(d, REV_PLUG, (double)i - 0.5, dev);
			t->plugged = 1;
			t->plugs++;
			t->last_off = -1;
		}
		if (k != REV_PLUG)
			add_event(d, k, (double)i - 0.5, dev);
		if (k == REV_OFFLINE)
			t->last_off = (double)i;
		if (k == REV_UNPLUG)
			t->plugged = 0, t->last_off = -1;
	}
	for (size_t j = 0; j < n_devs; j++)
		if (devs[j].plugged && devs[j].last_off >= 0 &&
		    seq_count(d, "removed", devs[j].dev) >= devs[j].plugs)
			add_event(d, REV_UNPLUG, devs[j].last_off + 0.5, devs[j].dev);
}

int rundoc_load(struct rundoc *d, const char *dir, char *err, size_t errlen)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX + 32], jerr[128];
	static const char *const logs[] = { "console.log", "dmesg.log", "agent.log", NULL };
	int rc;

	memset(d, 0, sizeof(*d));
	d->baseline = -1;
	snprintf(d->dir, sizeof(d->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/results.json", dir);
	rc = sb_read_file(&sb, path, RESULTS_MAX);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(-rc),
			 rc == -ENOENT ? " (not a run dir, or the run never started)" : "");
		goto cleanup;
	}
	rc = jr_parse(&d->res, sb.buf, sb.len, jerr, sizeof(jerr));
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, jerr);
		goto cleanup;
	}
	if (d->res.type != JR_OBJ || !jr_get(&d->res, "verdict")) {
		snprintf(err, errlen, "%s: not a run's results (no verdict)", path);
		rc = -EINVAL;
		goto cleanup;
	}
	rc = load_snaps(d);
	if (rc < 0) {
		snprintf(err, errlen, "%s/snapshots: %s", dir, strerror(-rc));
		goto cleanup;
	}
	{
		const struct jr_val *names = jr_get(&d->res, "snapshots");

		if (names && names->type == JR_ARR && names->len != d->n_snaps) {
			char m[160];

			snprintf(m, sizeof(m), "results.json names %zu snapshots, snapshots/ holds "
				 "%zu", names->len, d->n_snaps);
			missing(d, m);
		}
	}
	for (int i = 0; logs[i] && jr_str(&d->res, "kernel", NULL); i++)	/* a guest booted */
		if (!rd_has(d, logs[i])) {
			char m[64];

			snprintf(m, sizeof(m), "no %s", logs[i]);
			missing(d, m);
		}
	find_events(d);
cleanup:
	sb_release(&sb);
	if (rc < 0)
		rundoc_free(d);
	return rc;
}

void rundoc_free(struct rundoc *d)
{
	for (size_t i = 0; i < d->n_snaps; i++)
		snapshot_free(&d->snaps[i].s);
	free(d->snaps);
	free(d->events);
	jr_free(&d->res);
	sb_release(&d->missing);
	d->snaps = NULL;
	d->events = NULL;
	d->n_snaps = d->n_events = 0;
}
