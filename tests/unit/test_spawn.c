/* What a program the controller runs inherits (host/reaper.c child_exec_prepare, used by
 * prep_quiet/prep_tool and the matrix's jobs): stdin, stdout and stderr, nothing else.
 * The controller holds descriptors without O_CLOEXEC (here: 16 of them, up to fd 25),
 * ignores SIGPIPE and blocks SIGCHLD, as main.c does; the program must see none of it.
 * Found in CI: mmdebstrap, run by kernels/probe-build.sh under the controller, got its
 * pipe at fd 15 and apt's hook `cat >&15` failed under dash ("apt download failed"). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include "kernels.h"
#include "tap.h"

/* exit 3: a descriptor 10..25 is open; 4: SIGPIPE ignored; 5: a signal blocked */
static const char script[] =
	"for n in 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do "
	"  [ ! -e /proc/$$/fd/$n ] || exit 3; done; "
	"ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/self/status); "
	"[ $(( 0x$ign & 0x1000 )) -eq 0 ] || exit 4; "
	"blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/self/status); "
	"[ $(( 0x$blk )) -eq 0 ] || exit 5; exit 0";

int main(void)
{
	char *argv[] = { "sh", "-c", (char *)script, NULL };
	char *fails[] = { "sh", "-c", "exit 7", NULL };
	sigset_t chld;
	int first = -1, last = -1;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	for (int fd = 10; fd <= 25; fd++)
		if (dup2(open("/dev/null", O_RDONLY), fd) == fd) {
			first = first < 0 ? fd : first;
			last = fd;
		}
	ok(first == 10 && last == 25, "the controller holds fds %d..%d without O_CLOEXEC", first, last);

	int rc = prep_quiet(argv);
	ok(rc != 3, "no descriptor of the controller reaches the program (exit %d)", rc);
	ok(rc != 4, "SIGPIPE is back to its default in the program (exit %d)", rc);
	ok(rc != 5, "no signal is blocked in the program (exit %d)", rc);
	ok(rc == 0, "the program ran and saw only its own descriptors (exit %d)", rc);
	ok(prep_quiet(fails) == 7, "its exit status is returned");
	ok(fcntl(25, F_GETFD) >= 0, "the controller's own descriptors stay open");
	return done();
}
