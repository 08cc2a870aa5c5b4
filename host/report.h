/* Reporters render finished runs. One file each (report_<name>.c), registered in
 * registry.c. Results are built once as data (struct run) and rendered by each. */
#ifndef HPT_REPORT_H
#define HPT_REPORT_H
#include <stdio.h>

struct run;

struct reporter {
	const char *name;
	/* Called once before the first run (n = number of runs), per run, and at the end. */
	void (*begin)(FILE *f, int n);
	void (*one)(FILE *f, int index, const struct run *r);
	void (*end)(FILE *f);
};

extern const struct reporter report_ktap;
/* Writes <run dir>/results.json. 0 or -errno. */
int report_json_write(const struct run *r);
/* Renders results.json for one run into sb (used by the writer and by tests). */
struct strbuf;
void report_json_render(struct strbuf *sb, const struct run *r);

#endif
