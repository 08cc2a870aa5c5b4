/* The matrix scheduler's wait (host/cmd_matrix.c matrix_wait): a running job's end wakes
 * it at once, through a pidfd (SIGCHLD belongs to the QEMU reaper's thread, reaper.c),
 * instead of the next look 250 ms later (126 jobs on 2 slots: ~16 s of a matrix's wall
 * time were slots left empty, measured 2026-12-06). Here: it stays quiet while the job
 * runs, wakes for its end also when the job ended before the wait began, leaves the child
 * to waitpid, wakes for a host check's end, and ignores jobs that are not running. The
 * timeouts are deadlines that make a missing wakeup a failure instead of a hang, not
 * measurements. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "matrix.h"
#include "reaper.h"
#include "tap.h"

#define DEADLINE_MS 20000

/* A child that exits with 7 once told to (a byte on the pipe), 8 if the pipe closes. */
static pid_t child(int *tell)
{
	int go[2];
	pid_t pid;

	if (pipe(go) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 7 : 8);
	}
	close(go[0]);
	*tell = go[1];
	return pid;
}

int main(void)
{
	static struct matrix m;	/* large: its hosts are inline */
	struct mhost *host = &m.hosts[0];
	struct job jobs[2];
	int tell = -1, status = -1;
	pid_t pid, got;

	reaper_start();	/* as main.c does: SIGCHLD blocked, taken by the reaper's thread */
	memset(jobs, 0, sizeof(jobs));
	m.jobs = jobs;
	m.n = 2;
	m.n_hosts = 1;
	host->state = MHOST_UP;
	jobs[1].state = JOB_DONE;	/* not running: never waited for */
	jobs[1].pid = getpid();

	ok(matrix_wait(&m, 0) == 0, "nothing runs: nothing wakes it");
	pid = child(&tell);
	jobs[0].state = JOB_RUNNING;
	jobs[0].pid = pid;
	ok(pid > 0 && matrix_wait(&m, 0) == 0, "a job runs: quiet until it ends");
	ok(write(tell, "x", 1) == 1, "the job is told to exit");
	ok(matrix_wait(&m, DEADLINE_MS) == 1, "its end wakes the wait");
	ok(matrix_wait(&m, DEADLINE_MS) == 1, "and keeps waking it until it is collected");
	got = waitpid(pid, &status, WNOHANG);
	ok(got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7,
	   "the job is left for the scheduler's waitpid (status %d)", status);
	close(tell);
	jobs[0].state = JOB_DONE;
	ok(matrix_wait(&m, 0) == 0, "collected: quiet again");

	/* a host check: the other kind of child the scheduler waits for */
	pid = child(&tell);
	host->state = MHOST_CHECKING;
	host->check_pid = pid;
	ok(pid > 0 && matrix_wait(&m, 0) == 0, "a host check runs: quiet");
	close(tell);	/* the check ends (8) */
	ok(matrix_wait(&m, DEADLINE_MS) == 1, "the check's end wakes the wait");
	got = waitpid(pid, &status, 0);
	ok(got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 8,
	   "the check is left for waitpid too (status %d)", status);
	return done();
}
