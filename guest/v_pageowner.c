/* `page-owner FUNC[,FUNC…]`: streams /sys/kernel/debug/page_owner (debug kernels with
 * page_owner=on) and sums the pages whose allocation stack names any of FUNC — e.g. the
 * memory hotplug paths that allocate a memmap off the device. Reply: "pages=N records=N"
 * then the first matching record as evidence. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent.h"

#define PAGE_OWNER "/sys/kernel/debug/page_owner"
#define RECORD_MAX 4096
#define FUNCS_MAX 8

/* Counts one record (text up to a blank line). */
static void record(const char *rec, char **funcs, int n, unsigned long long *pages,
		   unsigned long long *records, struct strbuf *example)
{
	const char *o = strstr(rec, "order ");
	unsigned order = 0;

	for (int i = 0; i < n; i++)
		if (strstr(rec, funcs[i])) {
			if (o)
				sscanf(o, "order %u", &order);
			*pages += 1ull << (order < 20 ? order : 0);
			if (!(*records)++)
				sb_addf(example, "%.*s", 1500, rec);
			return;
		}
}

int v_page_owner(struct agent *a, int argc, char **argv, struct strbuf *out)
{
	static char rec[RECORD_MAX + 1], buf[65536];
	struct strbuf example = STRBUF_INIT;
	unsigned long long pages = 0, records = 0;
	char *funcs[FUNCS_MAX], list[256], *save, *tok;
	size_t rlen = 0;
	int fd, n = 0;
	ssize_t got;

	snprintf(list, sizeof(list), "%s", argv[1]);
	for (tok = strtok_r(list, ",", &save); tok && n < FUNCS_MAX; tok = strtok_r(NULL, ",", &save))
		funcs[n++] = tok;
	fd = open(PAGE_OWNER, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int ret = -errno;

		sb_addf(out, "page-owner: %s: %s (kernel without page_owner=on?)", PAGE_OWNER,
			strerror(errno));
		return ret;
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < got; i++) {
			/* records are separated by an empty line */
			if (buf[i] == '\n' && rlen && rec[rlen - 1] == '\n') {
				rec[rlen] = 0;
				record(rec, funcs, n, &pages, &records, &example);
				rlen = 0;
			} else if (rlen < RECORD_MAX) {
				rec[rlen++] = buf[i];
			}
		}
		ag_beat_maybe(a);
	}
	close(fd);
	if (rlen) {
		rec[rlen] = 0;
		record(rec, funcs, n, &pages, &records, &example);
	}
	sb_addf(out, "pages=%llu records=%llu\n%s", pages, records, sb_str(&example));
	sb_release(&example);
	return got < 0 ? -EIO : 0;
}
