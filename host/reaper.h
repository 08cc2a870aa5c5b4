/* Our processes (reaper.c): the QEMU reaper, and what a child of ours gets before exec. */
#ifndef HPT_REAPER_H
#define HPT_REAPER_H

/* Becomes a child subreaper and starts the reaping thread; call before any other thread
 * exists (it blocks SIGCHLD process-wide). */
void reaper_start(void);

/* In a forked child before exec: in, out and err become 0, 1 and 2 (a negative one is
 * left as it is), every other descriptor is closed, no signal is blocked and SIGPIPE is
 * back to its default. main.c ignores SIGPIPE and blocks SIGCHLD, and a library's
 * descriptor without O_CLOEXEC would outlive exec: none of it may reach a program we run
 * (mmdebstrap's apt hook `cat >&N` failed under dash once N was 10 or more). */
void child_exec_prepare(int in, int out, int err);

#endif
