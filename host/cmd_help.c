/* `hotplug-test help [VERB|STEP|KIND|expect|steps|--markdown]`: verbs, the scenario
 * language, the oracles, all from the units' own tables (their options with help and
 * defaults); --markdown writes the reference in doc/reference.md (help_markdown.c). */
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "cmd.h"
#include "devkind.h"
#include "oracle.h"
#include "step.h"
#include "workload.h"

void help_main(FILE *f)
{
	fprintf(f, "usage: hotplug-test VERB [options] [args]\n\nverbs:\n");
	for (int i = 0; commands[i]; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n`hotplug-test VERB -h` for a verb's options; `hotplug-test help steps` for "
		   "the scenario language, `help STEP` for a step's options.\n");
}

static void steps_help(FILE *f)
{
	fprintf(f, "scenario steps (one per line; '#' comments; \"quotes\" group words):\n");
	for (int i = 0; steps[i]; i++)
		fprintf(f, "  %-60s\n      %s\n", steps[i]->usage, steps[i]->help);
	for (int i = 0; devkinds[i]; i++)	/* the steps that declare boot-time devices */
		if (devkinds[i]->declare_opts)
			fprintf(f, "  %-60s\n      %s\n", devkinds[i]->declare_usage,
				devkinds[i]->declare_help);
	fprintf(f, "\noracles (expect KIND …):\n");
	for (int i = 0; oracles[i]; i++)
		fprintf(f, "  %-60s\n      %s%s\n", oracles[i]->usage, oracles[i]->proves,
			oracles[i]->automatic ? " [automatic]" : "");
	fprintf(f, "\ndevice kinds:\n");
	for (int i = 0; devkinds[i]; i++)
		fprintf(f, "  %-10s %s\n", devkinds[i]->name, devkinds[i]->help);
	fprintf(f, "\narches:");
	for (int i = 0; arches[i]; i++)
		fprintf(f, " %s", arches[i]->name);
	fputc('\n', f);
}

/* usage, help, then each option with its help and default */
static void entry(FILE *f, const char *usage, const char *help, const struct opt *opts)
{
	fprintf(f, "%s\n    %s\n", usage, help);
	if (opts)
		opts_usage(f, opts, 0);
}

static void workloads_help(FILE *f)
{
	for (int i = 0; wl_defs[i].name; i++) {
		const struct wl_def *d = &wl_defs[i];

		fprintf(f, "  %s\n      %s\n", d->name, d->help);
		for (int k = 0; k < WL_OPTS_MAX && d->opts[k].key; k++) {
			char def[32];

			wl_opt_default(&d->opts[k], def, sizeof(def));
			fprintf(f, "        %-12s %s%s%s%s\n", d->opts[k].key, d->opts[k].help,
				def[0] ? " (default " : "", def, def[0] ? ")" : "");
		}
	}
}

static int help_cmd(int argc, char **argv)
{
	const struct command *c;
	const struct devkind *kind;
	const struct oracle *o;
	const struct step *s;

	if (argc < 2) {
		help_main(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--markdown")) {
		help_markdown(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "steps") || !strcmp(argv[1], "scenario")) {
		steps_help(stdout);
		return 0;
	}
	if ((c = command_find(argv[1])) && strcmp(argv[1], "help")) {
		char *args[] = { argv[1], "--help", NULL };

		return c->fn(2, args);
	}
	if ((kind = devkind_find(argv[1])) && kind->declare_opts) {
		entry(stdout, kind->declare_usage, kind->declare_help, kind->declare_opts);
		return 0;
	}
	if (!strcmp(argv[1], "expect") && argc > 2 && (o = oracle_find(argv[2]))) {
		entry(stdout, o->usage, o->proves, o->opts);
		return 0;
	}
	if ((s = step_find(argv[1]))) {
		entry(stdout, s->usage, s->help, s->opts);
		for (int i = 0; !strcmp(s->name, "expect") && oracles[i]; i++) {
			printf("  %s\n      %s\n", oracles[i]->usage, oracles[i]->proves);
			if (oracles[i]->opts)
				opts_usage(stdout, oracles[i]->opts, 0);
		}
		if (!strcmp(s->name, "workload"))
			workloads_help(stdout);
		return 0;
	}
	fprintf(stderr, "hotplug-test help: no verb or step named '%s'\n", argv[1]);
	return 2;
}

const struct command cmd_help = { "help", help_cmd,
	"this help; `help steps` for the scenario language, `help --markdown` for the "
	"reference (doc/reference.md)" };
