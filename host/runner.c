/* Scenario runner (see runner.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "arch.h"
#include "fault.h"
#include "guest.h"
#include "oracle.h"
#include "plan.h"
#include "report.h"
#include "kernels.h"
#include "runner.h"
#include "step.h"
#include "virt.h"

int runner_validate(const struct scenario *s, char *err, size_t errlen)
{
	char msg[400];

	if (!s->n_lines) {
		snprintf(err, errlen, "%s: no steps", s->path);
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct scn_line *l = &s->lines[i];
		const struct step *st = step_find(l->argv[0]);

		if (plan_is_control(l))
			continue;	/* loop syntax: plan_build() checks it below */
		if (!st) {
			snprintf(err, errlen, "%s:%u: unknown step '%s' (hotplug-test help lists them)",
				 s->path, l->lineno, l->argv[0]);
			return -EINVAL;
		}
		msg[0] = 0;
		if (st->check && st->check(l, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", s->path, l->lineno, msg);
			return -EINVAL;
		}
	}
	{
		struct plan p;
		int rc = plan_build(s, &p, err, errlen);

		plan_free(&p);
		return rc;
	}
}

int runner_wants_arch(const struct scenario *s, const char *arch)
{
	int declared = 0;

	for (size_t i = 0; i < s->n_lines; i++) {
		const struct scn_line *l = &s->lines[i];

		if (strcmp(l->argv[0], "arch"))
			continue;
		declared = 1;
		for (int k = 1; k < l->argc; k++)
			if (!strcmp(l->argv[k], arch))
				return 1;
	}
	return !declared;
}

const char *runner_description(const struct scenario *s)
{
	for (size_t i = 0; i < s->n_lines; i++)
		if (!strcmp(s->lines[i].argv[0], "describe") && s->lines[i].argc == 2)
			return s->lines[i].argv[1];
	return "";
}

static int mkdir_p(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int dir_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	if (d)
		closedir(d);
	return empty;
}

int runner_mkdir(struct run *r, const char *dir, const char *parent)
{
	char stamp[32];
	time_t t = time(NULL);
	int rc;

	if (dir) {
		snprintf(r->dir, sizeof(r->dir), "%s", dir);
	} else {
		char name[65];

		/* the scenario's file name may hold anything but '/': keep a safe short form */
		snprintf(name, sizeof(name), "%s", r->scn->name);
		for (char *p = name; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-",
				    *p) || (p == name && *p == '.'))
				*p = '_';
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", localtime(&t));
		/* with --kernel, the kernel's label too: runs of several kernels do not collide */
		snprintf(r->dir, sizeof(r->dir), "%s/%s-%s-%s%s%s", parent, stamp, name,
			 r->arch->name, r->ksel ? "-" : "", r->ksel ? r->ksel->label : "");
	}
	rc = mkdir_p(r->dir, 0700);
	if (rc == 0)
		chmod(r->dir, 0700);
	if (rc == 0 && !dir_empty(r->dir))
		return -EEXIST;	/* never mix a new run's evidence into an old one */
	if (rc == 0) {	/* absolute: QEMU opens files of the run dir (a scratch disk) elsewhere */
		char abs[PATH_MAX];

		if (realpath(r->dir, abs) && strlen(abs) < sizeof(r->dir))
			memcpy(r->dir, abs, strlen(abs) + 1);
	}
	return rc;
}

/* Domain names: hpt-<arch>-<scenario>-<pid>, only [A-Za-z0-9_-], at most 60 bytes. */
static void vm_name(struct run *r)
{
	char *p;

	snprintf(r->vm_name, sizeof(r->vm_name), "hpt-%s-%.32s-%d", r->arch->name, r->scn->name,
		 (int)getpid());
	for (p = r->vm_name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *p))
			*p = '_';
}

/* agent.log says which step (and phase) sent the requests that follow */
static void note_step(struct run *r, const char *phase, const struct scn_line *l)
{
	char words[400];
	size_t o = 0;

	words[0] = 0;
	for (int k = 0; k < l->argc && o + 2 < sizeof(words); k++)
		o += (size_t)snprintf(words + o, sizeof(words) - o, " %s", l->argv[k]);
	chan_note(&r->chan, "step %s line %u%s", phase, l->lineno, words);
}

static void run_lines(struct run *r)
{
	const struct scenario *s = r->scn;
	struct plan plan;
	char err[256];

	if (plan_build(s, &plan, err, sizeof(err)) < 0) {
		step_stop(r, NULL, V_ERROR, NULL, "%s", err);
		return;
	}
	for (size_t i = 0; i < plan.n && !hpt_stop; i++) {
		const struct scn_line *l = plan.steps[i].line;
		const struct step *st = step_find(l->argv[0]);
		uint64_t t;
		enum step_rc rc;

		if (st->header)
			continue;
		if (st->needs_guest && !r->booted) {
			t = now_ms();
			rc = boot_now(r, l);
			r->phase_ms[PHASE_BOOT] += now_ms() - t;
			if (rc != STEP_OK) {
				fault_triage(r, l, 0);	/* died or hung while booting? */
				goto out;
			}
		}
		r->iteration = plan.steps[i].iteration;
		hpt_verbose("%s:%u: %s", s->path, l->lineno, l->argv[0]);
		note_step(r, phase_names[st->phase], l);
		t = now_ms();
		rc = st->run(r, l);
		r->phase_ms[st->phase] += now_ms() - t;
		if (rc != STEP_OK) {
			fault_triage(r, l, st->kernel_op);	/* panic, hang, garbage? */
			goto out;
		}
	}
	if (hpt_stop)
		step_stop(r, NULL, V_ERROR, NULL, "interrupted by a signal: the run was cut short");
out:
	plan_free(&plan);
}

/* Asks each step line what it needs (the capability model) before anything boots: the
 * first unmet need SKIPs the scenario with its reason. */
static int needs_unmet(struct run *r)
{
	char why[400];

	for (size_t i = 0; i < r->scn->n_lines; i++) {
		const struct scn_line *l = &r->scn->lines[i];
		const struct step *st = plan_is_control(l) ? NULL : step_find(l->argv[0]);

		why[0] = 0;
		if (st && st->needs && st->needs(r, l, why, sizeof(why)) < 0) {
			step_stop(r, l, V_SKIP, NULL, "%s", why);
			return 1;
		}
	}
	return 0;
}

void runner_run(struct run *r)
{
	uint64_t t;

	r->t0_ms = now_ms();
	vm_name(r);
	boot_defaults(r);
	chan_init(&r->chan);
	if (!runner_wants_arch(r->scn, r->arch->name)) {
		result_add(&r->res, V_SKIP, "arch", 0, NULL, "%s is not among the scenario's arches",
			   r->arch->name);
		report_run_files(r);
		return;
	}
	if (needs_unmet(r)) {	/* no guest boots for a scenario that cannot run here */
		report_run_files(r);
		return;
	}
	run_lines(r);
	fault_check_alive(r);	/* a fault armed to fire late must not go unnoticed */
	/* automatic oracles, also after a stop: a BUG that stopped us is the evidence
	 * (after a guest fault, fault.c has reported the console already) */
	t = now_ms();
	chan_note(&r->chan, "step verify automatic oracles");
	for (int i = 0; oracles[i]; i++)
		if (oracles[i]->automatic && (r->booted || r->dom) && !hpt_stop && !r->fault)
			oracles[i]->run(r, NULL);
	r->phase_ms[PHASE_VERIFY] += now_ms() - t;
	t = now_ms();
	chan_note(&r->chan, "step teardown stop the guest");
	guest_stop(r);
	r->phase_ms[PHASE_TEARDOWN] += now_ms() - t;
	report_run_files(r);	/* results.json, report.html (failures logged) */
}
