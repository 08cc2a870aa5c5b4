/* A kernel's missing modules against what a scenario needs (see modneeds.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "modneeds.h"
#include "scenario.h"
#include "strbuf.h"

/* What an optional module's absence loses, by its WHAT (guest/modules.list optional:WHAT). */
static const struct {
	const char *what, *lost;
} optional[] = {
	{ "panic-event", "a guest panic is seen on the console and by the agent's heartbeat, "
			 "not at once as libvirt's crash event" },
};

/* Does line l match one LINE (len chars of words separated by dots)? */
static int line_matches(const struct scn_line *l, const char *alt, size_t len)
{
	int i = 0;

	while (len) {
		size_t w = strcspn(alt, ".");
		int found = 0;

		if (w > len)
			w = len;
		if (w && alt[w - 1] == '=') {	/* an option, anywhere after the first word */
			for (int j = 1; j < l->argc && !found; j++)
				found = !strncmp(l->argv[j], alt, w);
		} else {
			found = i < l->argc && strlen(l->argv[i]) == w && !strncmp(l->argv[i], alt, w);
		}
		if (!found)
			return 0;
		i++;
		alt += w;
		len -= w;
		if (len) {	/* the dot */
			alt++;
			len--;
		}
	}
	return i > 0;
}

int modneeds_line_uses(const struct scn_line *l, const char *uses)
{
	while (*uses) {
		size_t n = strcspn(uses, ",");

		if (n && line_matches(l, uses, n))
			return 1;
		uses += n + (uses[n] == ',');
	}
	return 0;
}

static void note_optional(const char *name, const char *what, char *notes, size_t nn)
{
	const char *lost = "the run goes on without it";
	size_t used = strlen(notes);

	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (!strcmp(optional[i].what, what))
			lost = optional[i].lost;
	if (used < nn)
		snprintf(notes + used, nn - used, "%smodule %s absent (optional): %s",
			 used ? "; " : "", name, lost);
}

int modneeds_check(const struct scenario *s, const char *status, char *notes, size_t nn,
		   char *err, size_t n)
{
	char line[512], name[128], uses[256], state[16];
	unsigned lineno = 0;

	while (*status) {
		size_t len = strcspn(status, "\n");

		lineno++;
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1),
			 status);
		status += len + (status[len] == '\n');
		if (!line[0])
			continue;
		if (sscanf(line, "%127s %255s %15s", name, uses, state) != 3 ||
		    (strcmp(state, "shipped") && strcmp(state, "builtin") && strcmp(state, "missing"))) {
			snprintf(err, n, "module status line %u: want NAME USES "
				 "shipped|builtin|missing, got \"%s\"", lineno, line);
			return -1;
		}
		if (strcmp(state, "missing"))
			continue;
		if (!strncmp(uses, "optional:", 9)) {
			note_optional(name, uses + 9, notes, nn);
			continue;
		}
		for (size_t i = 0; i < s->n_lines; i++) {
			const struct scn_line *l = &s->lines[i];

			char words[96] = "";

			if (strcmp(uses, "always") && !modneeds_line_uses(l, uses))
				continue;
			for (int w = 0; w < l->argc && strlen(words) < 64; w++)
				snprintf(words + strlen(words), sizeof(words) - strlen(words), "%s%s",
					 w ? " " : "", l->argv[w]);
			snprintf(err, n, "module %s: not in this kernel (neither in modules.dep nor "
				 "built in); %s:%u `%s` needs it", name, s->path, l->lineno, words);
			return -1;
		}
	}
	return 0;
}

int modneeds_check_file(const struct scenario *s, const char *path, char *notes, size_t nn,
			char *err, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = sb_read_file(&sb, path, 1 << 16);

	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		snprintf(err, n, "%s: %s", path, strerror(-rc));
		rc = -1;
		goto out;
	}
	rc = modneeds_check(s, sb_str(&sb), notes, nn, err, n);
	if (rc < 0 && !strncmp(err, "module status", 13)) {
		char why[384];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, n, "%s: %s", path, why);
	}
out:
	sb_release(&sb);
	return rc;
}
