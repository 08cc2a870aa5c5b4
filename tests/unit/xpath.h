/* An XPath number over an XML file (xmllint --xpath), for the tests of what a matrix
 * writes (junit.xml): -1 when xmllint says nothing. */
#ifndef HPT_TEST_XPATH_H
#define HPT_TEST_XPATH_H
#include <stdio.h>
#include <stdlib.h>

static double xpath_num(const char *expr, const char *file)
{
	char cmd[8400], out[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "xmllint --xpath '%s' %s 2>/dev/null", expr, file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, sizeof(out), p))
		out[0] = 0;
	pclose(p);
	return out[0] ? atof(out) : -1;
}

#endif
