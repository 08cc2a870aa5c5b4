/* `KIND NAME [options]` for every boot-time device kind (devkind.h: declare_opts, e.g.
 * `virtio-mem NAME size=…`, `nvdimm NAME size=…`): declares a device the guest boots with,
 * before `boot` or any step that boots. The line is named after the kind (step_find()
 * answers this step for it); the options are the kind's and parse straight into the
 * device. The capability model says where the kind exists (else SKIP with its reason). */
#include <stdio.h>
#include <string.h>
#include "caps.h"
#include "devkind.h"
#include "step.h"

/* Parses the line into d (defaults first), the kind's own checks last. */
static int declare_parse(const struct scn_line *l, const struct devkind *k, struct hpt_dev *d,
		 char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (opts_defaults(k->declare_opts, d, err, errlen) < 0 ||
	    step_argc(l, 1, 1, err, errlen) < 0 ||
	    step_opts(k->declare_opts, d, l, 2, err, errlen) < 0)
		return -1;
	if (!dev_name_ok(l->argv[1])) {
		snprintf(err, errlen, "%s: device name '%s': want 1-16 letters, digits or _",
			 k->name, l->argv[1]);
		return -1;
	}
	return k->declare_check ? k->declare_check(d, err, errlen) : 0;
}

static int declare_step_check(const struct scn_line *l, char *err, size_t errlen)
{
	struct hpt_dev d;

	return declare_parse(l, devkind_find(l->argv[0]), &d, err, errlen);
}

static int declare_needs(struct run *r, const struct scn_line *l, char *why, size_t n)
{
	const struct devkind *k = devkind_find(l->argv[0]);
	struct hpt_dev d;
	char err[256];

	if (caps_need(r, CAP_PLUG, l->argv[0], why, n) < 0)
		return -1;
	/* what the line's options ask of the host (checked already: a parse error is
	 * the run's, not a need) */
	if (!k->declare_needs || declare_parse(l, k, &d, err, sizeof(err)) < 0)
		return 0;
	return k->declare_needs(r, &d, why, n);
}

static enum step_rc declare_run(struct run *r, const struct scn_line *l)
{
	const struct devkind *k = devkind_find(l->argv[0]);
	struct hpt_dev *d;
	char err[PATH_MAX + 128];

	if (r->booted)
		return step_stop(r, l, V_ERROR, NULL, "%s %s: a device the guest boots with: "
				 "declare it before the guest boots", k->name, l->argv[1]);
	if (run_dev(r, l->argv[1]) || r->n_devs >= HPT_DEVS_MAX)
		return step_stop(r, l, V_ERROR, NULL, "%s %s: name taken or too many devices",
				 k->name, l->argv[1]);
	d = &r->devs[r->n_devs];
	if (declare_parse(l, k, d, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	snprintf(d->name, sizeof(d->name), "%s", l->argv[1]);
	snprintf(d->alias, sizeof(d->alias), "ua-%s", l->argv[1]);
	d->kind = k;
	d->lineno = l->lineno;
	d->state = DEV_PLUGGED;	/* there from boot; never unplugged */
	if (k->declare && k->declare(r, d, err, sizeof(err)) < 0)
		return step_stop(r, l, V_ERROR, NULL, "%s", err);
	if (r->boot.maxmem < r->boot.memory + d->size)	/* room in <maxMemory> */
		r->boot.maxmem = r->boot.memory + d->size;
	r->n_devs++;
	return STEP_OK;
}

const struct step step_declare = {
	.name = "KIND", .phase = PHASE_BOOT,
	.usage = "KIND NAME [options]",
	.help = "declare a device of a boot-time KIND (see the device kinds)",
	.check = declare_step_check, .needs = declare_needs, .run = declare_run,
};
