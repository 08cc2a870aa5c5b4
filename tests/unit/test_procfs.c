/* host/procfs.c on real processes: our own stat; a child whose comm holds ") Z (" (the
 * last ')' ends it, so its state is not misread); a cmdline read as one line; a zombie
 * seen as 'Z' with us as parent; a reaped pid and a too small buffer. */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "procfs.h"
#include "tap.h"

int main(void)
{
	struct proc_stat st;
	char buf[256];
	int p[2];
	pid_t c;
	int rc;

	memset(&st, 0, sizeof(st));
	rc = proc_stat(getpid(), &st);
	ok(rc == 0 && st.ppid == getppid() && st.state == 'R' && st.sid == getsid(0) &&
	   st.pgrp == getpgrp(), "self: ppid %d, state %c", (int)st.ppid, st.state);
	ok(!proc_is_qemu(getpid()), "self is no qemu-system-*");

	/* a child named like a trap, waiting on a pipe */
	if (pipe(p) < 0)
		return 1;
	c = fork();
	if (c == 0) {
		char x;

		close(p[1]);
		prctl(PR_SET_NAME, "a) Z 1 2 (b", 0, 0, 0);
		if (read(p[0], &x, 1) < 0)
			_exit(2);
		_exit(0);
	}
	close(p[0]);
	for (int i = 0; i < 200; i++) {	/* until the child has renamed itself */
		if (proc_stat(c, &st) == 0 && !strcmp(st.comm, "a) Z 1 2 (b"))
			break;
		usleep(5000);
	}
	rc = proc_stat(c, &st);
	ok(rc == 0 && !strcmp(st.comm, "a) Z 1 2 (b") && st.state != 'Z' && st.ppid == getpid(), "comm with ') Z (' read whole ('%s'), state %c, our child",
	   st.comm, st.state);
	rc = proc_read(c, "cmdline", buf, sizeof(buf));
	ok(rc == 0 && strstr(buf, "test_procfs") && !strchr(buf, '\n'), "cmdline read: '%s'", buf);
	close(p[1]);	/* it exits: a zombie until we wait */
	for (int i = 0; i < 200; i++) {
		if (proc_stat(c, &st) == 0 && st.state == 'Z')
			break;
		usleep(5000);
	}
	ok(proc_stat(c, &st) == 0 && st.state == 'Z', "exited, not waited for: state Z");
	waitpid(c, NULL, 0);
	ok(proc_stat(c, &st) == -1 && proc_read(c, "cmdline", buf, sizeof(buf)) == -1,
	   "reaped: gone");
	ok(proc_read(getpid(), "stat", buf, 8) == 0 && strlen(buf) == 7, "a small buffer: 7 bytes");
	ok(proc_read(getpid(), "stat", buf, 0) == -1, "no buffer: -1");
	return done();
}
