/* `hotplug-test list [DIR|FILE…]`: the scenarios with their arches and description. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "guest.h"
#include "runner.h"

static void one(const char *path)
{
	struct scenario s;
	char err[512], arches[96] = "all";

	if (scenario_load(&s, path, err, sizeof(err)) < 0 ||
	    runner_validate(&s, err, sizeof(err)) < 0) {
		printf("%-32s INVALID: %s\n", path, err);
		scenario_free(&s);
		return;
	}
	for (size_t i = 0; i < s.n_lines; i++)
		if (!strcmp(s.lines[i].argv[0], "arch")) {
			arches[0] = 0;
			for (int k = 1; k < s.lines[i].argc; k++)
				snprintf(arches + strlen(arches), sizeof(arches) - strlen(arches),
					 "%s%s", k > 1 ? "," : "", s.lines[i].argv[k]);
		}
	printf("%-32s %-22s %s\n", s.name, arches, runner_description(&s));
	scenario_free(&s);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int list_cmd(int argc, char **argv)
{
	char dir[4096], path[4200];
	struct dirent **ents;
	int n;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: hotplug-test list [FILE.scn…|DIR]\n"
		       "lists scenarios (default: the project's scenarios/ directory)\n");
		return 0;
	}
	if (argc > 1 && strstr(argv[1], ".scn")) {
		for (int i = 1; i < argc; i++)
			one(argv[i]);
		return 0;
	}
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/scenarios", hpt_top());
	n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "hotplug-test list: %s: cannot read directory\n", dir);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(ents[i]->d_name);

		if (l > 4 && !strcmp(ents[i]->d_name + l - 4, ".scn")) {
			snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
			one(path);
		}
		free(ents[i]);
	}
	free(ents);
	return 0;
}

const struct command cmd_list = { "list", list_cmd, "list scenarios with their arches" };
