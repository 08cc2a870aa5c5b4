/* The matrix scheduler sleeps until a child exits (host/reaper.c reaper_exit_fd): the
 * reaping thread takes every SIGCHLD and makes the descriptor readable, so a job's end
 * is noticed at once and not at the next look (it looked every 250 ms: with 126 jobs on
 * 2 slots ~8 s of a matrix's wall time were slots left empty). Here: the descriptor
 * wakes a poll for a child's exit, also when the child exits between the drain and the
 * poll; it stays quiet while no child exits; the child is still there for waitpid (the
 * thread reaps only QEMUs). poll's timeout here is a deadline that makes a missing wakeup
 * a failure instead of a hang, not a measurement. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "reaper.h"
#include "tap.h"

#define DEADLINE_MS 20000

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return n == 1 && (p.revents & POLLIN);
}

int main(void)
{
	int fd, status = -1;
	pid_t pid, got;

	reaper_start();
	fd = reaper_exit_fd();
	ok(fd >= 0, "the reaper gives an exit descriptor (%d)", fd);
	if (fd < 0)
		return done();
	ok(!readable(fd, 0), "no child exited: the descriptor is quiet");

	/* a child that waits for our word, so that it surely exits after the drain */
	int go[2];

	if (pipe(go) < 0)
		return done();
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 7 : 8);
	}
	close(go[0]);
	fd = reaper_exit_fd();	/* drained: what the scheduler does before its waitpid */
	ok(!readable(fd, 0), "the child still runs: nothing to wake for");
	ok(write(go[1], "x", 1) == 1, "the child is told to exit");
	ok(readable(fd, DEADLINE_MS), "its exit makes the descriptor readable");
	got = waitpid(pid, &status, 0);
	ok(got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 7,
	   "the child is left for waitpid (pid %d, status %d)", (int)got, status);
	fd = reaper_exit_fd();
	ok(!readable(fd, 0), "drained again: quiet until the next exit");

	/* a second child, exiting at once */
	pid = fork();
	if (pid == 0)
		_exit(0);
	ok(readable(fd, DEADLINE_MS), "a second child's exit wakes it too");
	ok(waitpid(pid, NULL, 0) == pid, "and that child is reaped by its parent");
	return done();
}
