/* `hotplug-test help --markdown`: the scenario-language and oracle reference
 * (doc/reference.md), generated from the units' own tables: steps, their options with
 * help and defaults, oracles, workloads (lib/workload.c), device kinds and arches.
 * tests/lint/reference.sh fails `make lint` when the committed file differs. */
#include <stdio.h>
#include <string.h>
#include "arch.h"
#include "cmd.h"
#include "devkind.h"
#include "oracle.h"
#include "size.h"
#include "step.h"
#include "workload.h"

/* text for a table cell: '|' escaped */
static void cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void opts_table(FILE *f, const struct opt *tab)
{
	if (!tab || !tab->name)
		return;
	fprintf(f, "| option | value | default | meaning |\n| --- | --- | --- | --- |\n");
	for (; tab->name; tab++) {
		char val[96];

		if (tab->type == OPT_TABLE)	/* command-line tables only */
			continue;
		fprintf(f, "| `%s` | ", tab->name);
		opts_value(tab, val, sizeof(val));
		if (val[0]) {
			fputc('`', f);
			cell(f, val);
			fputc('`', f);
		}
		fprintf(f, " | %s%s%s | ", tab->def ? "`" : "", tab->def ? tab->def : "",
			tab->def ? "`" : "");
		cell(f, tab->help);
		fprintf(f, " |\n");
	}
	fputc('\n', f);
}

/* How the runner treats a step (step.h). */
static void step_traits(FILE *f, const struct step *s)
{
	if (s->header) {
		fprintf(f, "A declaration: read before anything runs.\n\n");
		return;
	}
	fprintf(f, "Phase `%s`", phase_names[s->phase]);
	if (s->needs_guest)
		fprintf(f, "; boots the guest with the defaults first if it is not running");
	if (s->kernel_op)
		fprintf(f, "; a kernel operation (a guest that dies or hangs meanwhile is the "
			   "kernel's FAIL, otherwise an ERROR)");
	if (s->needs)
		fprintf(f, "; asks the capability model first (unmet: SKIP with the reason)");
	fprintf(f, ".\n\n");
}

static void steps_md(FILE *f)
{
	fprintf(f, "## Scenario steps\n\n"
		   "A scenario is a text file, one step per line: the first word names the "
		   "step, the others are its arguments and `key=value` options; `#` starts a "
		   "comment, \"double quotes\" group words, `repeat N {` … `}` repeats the "
		   "lines between (nestable). Every line is checked before a guest boots "
		   "(errors name `file:line`).\n\n");
	for (int i = 0; steps[i]; i++) {
		const struct step *s = steps[i];

		fprintf(f, "### %s\n\n    %s\n\n%s.\n\n", s->name, s->usage, s->help);
		step_traits(f, s);
		opts_table(f, s->opts);
	}
	for (int i = 0; devkinds[i]; i++) {
		const struct devkind *k = devkinds[i];

		if (!k->declare_opts)
			continue;
		fprintf(f, "### %s\n\n    %s\n\n%s. A line named after the device kind `%s` "
			   "(see Device kinds).\n\n", k->name, k->declare_usage, k->declare_help,
			k->name);
		step_traits(f, step_find(k->name));
		opts_table(f, k->declare_opts);
	}
}

static void oracles_md(FILE *f)
{
	fprintf(f, "## Oracles\n\n"
		   "`expect KIND …` lines: each adds checks (PASS, FAIL, ERROR or SKIP, with "
		   "JSON evidence) to the run's results.\n\n");
	for (int i = 0; oracles[i]; i++) {
		const struct oracle *o = oracles[i];

		fprintf(f, "### expect %s\n\n    %s\n\nProves: %s.%s\n\n", o->name, o->usage,
			o->proves, o->automatic ? " Automatic: it also runs at the end of every "
			"scenario." : "");
		opts_table(f, o->opts);
	}
}

static void workloads_md(FILE *f)
{
	fprintf(f, "## Workloads\n\n"
		   "`workload start NAME [key=value…]` runs a busy-guest workload in the guest "
		   "until `workload stop NAME` (steps in between work on a busy guest).\n\n");
	for (int i = 0; wl_defs[i].name; i++) {
		const struct wl_def *d = &wl_defs[i];
		char u[256];

		fprintf(f, "### %s\n\n    workload start %s\n\n%s.\n\n", d->name,
			wl_usage(d, u, sizeof(u)), d->help);
		if (d->config[0]) {
			fprintf(f, "Needs the guest kernel options");
			for (int c = 0; c < 4 && d->config[c]; c++)
				fprintf(f, "%s `%s`", c ? "," : "", d->config[c]);
			fprintf(f, " (else SKIP).\n\n");
		}
		if (!d->opts[0].key)
			continue;
		fprintf(f, "| option | value | default | meaning |\n| --- | --- | --- | --- |\n");
		for (int k = 0; k < WL_OPTS_MAX && d->opts[k].key; k++) {
			const struct wl_opt *o = &d->opts[k];
			char def[32];

			wl_opt_default(o, def, sizeof(def));
			fprintf(f, "| `%s` | `", o->key);
			if (o->type == WL_ENUM)
				for (int c = 0; o->choices[c]; c++)
					fprintf(f, "%s%s", c ? "\\|" : "", o->choices[c]);
			else
				fprintf(f, "%s", o->type == WL_SIZE ? "SIZE" : "N");
			fprintf(f, "` | %s%s%s | ", def[0] ? "`" : "", def, def[0] ? "`" : "");
			cell(f, o->help);
			fprintf(f, " |\n");
		}
		fputc('\n', f);
	}
}

static void devkinds_md(FILE *f)
{
	fprintf(f, "## Device kinds\n\n"
		   "Hot-plugged kinds are plugged with `plug KIND NAME …`; boot-time kinds are "
		   "declared before `boot` by a line named after the kind. Where a kind exists "
		   "is the capability model's answer (host/caps.c).\n\n"
		   "| kind | how | guest tools | |\n| --- | --- | --- | --- |\n");
	for (int i = 0; devkinds[i]; i++) {
		const struct devkind *k = devkinds[i];

		fprintf(f, "| `%s` | %s | %s | ", k->name, k->plug ? "`plug` / `unplug`" :
			k->declare_opts ? "declared before boot" : "named by `blocks`",
			k->needs_tools ? "ndctl, daxctl" : "");
		cell(f, k->help);
		fprintf(f, " |\n");
	}
	fputc('\n', f);
}

static void arches_md(FILE *f)
{
	fprintf(f, "## Arches\n\n"
		   "`arch A…` lines and `--arch` name them. What each can do (device kinds, "
		   "who onlines hot-added memory, memmap_on_memory) is the capability model's "
		   "(host/caps.c).\n\n"
		   "| arch | machine | QEMU | firmware | boots | boot memory | NUMA | "
		   "panic device |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (int i = 0; arches[i]; i++) {
		const struct arch *a = arches[i];
		const char *fw = a->firmware ? strrchr(a->firmware, '/') : NULL;
		char mem[32];

		fprintf(f, "| `%s` | `%s` | `%s` | %s%s%s | `%s` | %s | %s | %s |\n", a->name,
			a->machine, a->emulator, fw ? "`" : "", fw ? fw + 1 : "QEMU's",
			fw ? "`" : "", a->kernel_image ? a->kernel_image : "vmlinuz",
			fmt_size(a->default_memory, mem, sizeof(mem)), a->no_numa ? "no" : "yes",
			a->panic_model ? a->panic_model : "-");
	}
	fputc('\n', f);
}

void help_markdown(FILE *f)
{
	fprintf(f, "# hotplug-test reference\n\n"
		   "<!-- Generated by `hotplug-test help --markdown` from the units' own tables "
		   "(host/step_*.c, oracle_*.c, dev_*.c, arch_*.c, lib/workload.c): edit those, "
		   "then `build/hotplug-test help --markdown >doc/reference.md`. `make lint` "
		   "fails when this file differs. -->\n\n"
		   "The scenario language, its oracles, the busy-guest workloads, the memory "
		   "device kinds and the arches, as the program describes them "
		   "(`hotplug-test help STEP` prints one of them).\n\n"
		   "- [Scenario steps](#scenario-steps)\n- [Oracles](#oracles)\n"
		   "- [Workloads](#workloads)\n- [Device kinds](#device-kinds)\n"
		   "- [Arches](#arches)\n\n"
		   "Values: SIZE is bytes with an optional K, M, G or T suffix (powers of 1024); "
		   "N a number; S a word (\"quoted\" if it has spaces).\n\n");
	steps_md(f);
	oracles_md(f);
	workloads_md(f);
	devkinds_md(f);
	arches_md(f);
}
