/* Other processes' /proc entries (procfs.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "procfs.h"

int proc_read(pid_t pid, const char *what, char *buf, size_t n)
{
	char path[64];
	ssize_t got;
	int fd;

	if (n == 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	got = read(fd, buf, n - 1);
	close(fd);
	if (got < 0)
		return -1;
	for (ssize_t i = 0; i < got; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[got] = 0;
	return 0;
}

int proc_stat(pid_t pid, struct proc_stat *st)
{
	char buf[512], *open_p, *close_p;
	int ppid, pgrp, sid;
	size_t len;

	if (proc_read(pid, "stat", buf, sizeof(buf)) < 0 || !(open_p = strchr(buf, '(')) ||
	    !(close_p = strrchr(buf, ')')) || close_p < open_p)
		return -1;
	len = (size_t)(close_p - open_p - 1);
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, open_p + 1, len);
	st->comm[len] = 0;
	if (sscanf(close_p + 1, " %c %d %d %d", &st->state, &ppid, &pgrp, &sid) != 4)
		return -1;
	st->ppid = ppid;
	st->pgrp = pgrp;
	st->sid = sid;
	return 0;
}

int proc_is_qemu(pid_t pid)
{
	struct proc_stat st;

	return proc_stat(pid, &st) == 0 && !strncmp(st.comm, "qemu-system", 11);
}
