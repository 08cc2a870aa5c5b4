/* Running every reporter's file hooks in table order (see report.h). */
#include <stdio.h>
#include <string.h>
#include "hpt.h"
#include "matrix.h"
#include "report.h"

int report_run_files(const struct run *r)
{
	int rc = 0;

	for (int i = 0; reporters[i]; i++) {
		int e = reporters[i]->run_files ? reporters[i]->run_files(r) : 0;

		if (e < 0) {
			hpt_log("%s: cannot write %s: %s", r->dir, reporters[i]->writes,
				strerror(-e));
			rc = rc ? rc : e;
		}
	}
	return rc;
}

int report_matrix_files(const struct matrix *m, int exit_code)
{
	int rc = 0;

	for (int i = 0; reporters[i]; i++) {
		int e = reporters[i]->matrix_files ? reporters[i]->matrix_files(m, exit_code) : 0;

		if (e < 0) {
			hpt_log("%s: cannot write %s: %s", m->out, reporters[i]->writes,
				strerror(-e));
			rc = rc ? rc : e;
		}
	}
	return rc;
}
