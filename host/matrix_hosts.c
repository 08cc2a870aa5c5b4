/* `matrix --connect URI…`: the libvirt hosts a matrix spreads its jobs over (see
 * matrix.h). Each host runs up to -j jobs at a time; a job starts on the least busy host
 * that is up. When a job on a remote host ends in ERROR, a child process asks the host
 * whether it is still there (and destroys what a job that died left on it); until it
 * answers no job starts there, and a host that does not answer is down for the rest of
 * the matrix: its waiting jobs go to the others. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include "hpt.h"
#include "matrix.h"
#include "remote.h"
#include "validate.h"
#include "virt.h"

#define CHECK_MS 30000	/* a host that does not answer a connect within this is down */

int matrix_hosts_parse(struct matrix *m, const char *list, char *err, size_t errlen)
{
	const char *p = list ? list : "";

	m->n_hosts = 0;
	do {
		size_t len = strcspn(p, ",");
		struct mhost *h;
		char uri[1024];

		if (m->n_hosts == MATRIX_HOSTS_MAX) {
			snprintf(err, errlen, "--connect: more than %d hosts", MATRIX_HOSTS_MAX);
			return -EINVAL;
		}
		if (len >= sizeof(uri)) {
			snprintf(err, errlen, "--connect: URI longer than %zu bytes", sizeof(uri) - 1);
			return -EINVAL;
		}
		snprintf(uri, sizeof(uri), "%.*s", (int)len, p);
		if (uri[0] && strcmp(uri, VIRT_EMBED_URI) &&
		    validate_uri("--connect", uri, err, errlen) < 0)
			return -EINVAL;
		h = &m->hosts[m->n_hosts++];
		memset(h, 0, sizeof(*h));
		if (strcmp(uri, VIRT_EMBED_URI))
			snprintf(h->uri, sizeof(h->uri), "%s", uri);
		for (int i = 0; i < m->n_hosts - 1; i++)
			if (!strcmp(m->hosts[i].uri, h->uri)) {
				snprintf(err, errlen, "--connect %s: given twice (-j sets how many "
					 "jobs a host runs at a time)", uri[0] ? uri : VIRT_EMBED_URI);
				return -EINVAL;
			}
		p += len + (p[len] == ',');
	} while (*p);
	return 0;
}

const char *matrix_host_uri(const struct mhost *h)
{
	return h->uri[0] ? h->uri : NULL;
}

struct mhost *matrix_host_pick(struct matrix *m)
{
	struct mhost *best = NULL;

	for (int i = 0; i < m->n_hosts; i++) {
		struct mhost *h = &m->hosts[i];

		if (h->state == MHOST_UP && h->running < m->parallel &&
		    (!best || h->running < best->running))
			best = h;
	}
	return best;
}

/* The check, in the child: connect, destroy the domains of a dead job (its pid ends
 * their names, see runner.c), delete its volumes; exit 0 if the host answered. */
static void quiet(void *opaque, virErrorPtr e)
{
	(void)opaque;
	(void)e;	/* the parent reports what the check found */
}

static void __attribute__((noreturn)) check_child(const char *uri, pid_t dead, const char *out)
{
	int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	virConnectPtr c;

	virSetErrorFunc(NULL, quiet);
	c = virConnectOpen(uri);

	if (!c) {
		virErrorPtr e = virGetLastError();

		if (fd >= 0)
			dprintf(fd, "%s", e && e->message ? e->message : "cannot connect");
		_exit(1);
	}
	if (dead > 0) {
		int n = remote_reap_job(c, dead);

		if (fd >= 0 && n > 0)
			dprintf(fd, "destroyed %d domain(s) of job %d", n, (int)dead);
	}
	virConnectClose(c);
	_exit(0);
}

static void check_path(const struct matrix *m, const struct mhost *h, char *buf, size_t n)
{
	snprintf(buf, n, "%s/.jobs/host-%d.check", m->out, (int)(h - m->hosts));
}

static void check_start(struct matrix *m, struct mhost *h, pid_t dead)
{
	char out[PATH_MAX + 32];
	pid_t pid;

	check_path(m, h, out, sizeof(out));
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		check_child(h->uri, dead, out);
	if (pid < 0) {	/* cannot ask: keep using it, the next job will tell */
		fprintf(stderr, "hotplug-test matrix: cannot check host %s: %s\n", h->uri,
			strerror(errno));
		return;
	}
	h->state = MHOST_CHECKING;
	h->check_pid = pid;
	h->check_deadline = now_ms() + CHECK_MS;
}

void matrix_host_job_end(struct matrix *m, struct job *j)
{
	struct mhost *h = &m->hosts[j->host];
	size_t len = strlen(j->note);

	int named = strstr(j->note, h->uri) != NULL;

	h->running--;
	if (!h->uri[0] || j->v != V_ERROR)
		return;
	for (size_t i = 0; i < j->res.n; i++)	/* the run's own error may name it already */
		named |= j->res.checks[i].summary && strstr(j->res.checks[i].summary, h->uri);
	if (!named)
		snprintf(j->note + len, sizeof(j->note) - len, "%son libvirt host %s",
			 len ? "; " : "", h->uri);
	if (h->state == MHOST_UP)
		check_start(m, h, j->json ? 0 : j->pid);	/* no results: it died, clean up */
}

static void host_down(struct mhost *h, const char *why)
{
	h->state = MHOST_DOWN;
	snprintf(h->why, sizeof(h->why), "%s", why);
	fprintf(stderr, "hotplug-test matrix: host %s is down (%s): its waiting jobs go to the "
		"other hosts\n", h->uri, why);
}

int matrix_host_reaped(struct matrix *m, pid_t pid, int status)
{
	for (int i = 0; i < m->n_hosts; i++) {
		struct mhost *h = &m->hosts[i];
		char path[PATH_MAX + 32], msg[400] = "";
		FILE *f;

		if (h->state != MHOST_CHECKING || h->check_pid != pid)
			continue;
		check_path(m, h, path, sizeof(path));
		f = fopen(path, "r");
		if (f) {
			if (!fgets(msg, sizeof(msg), f))
				msg[0] = 0;
			fclose(f);
		}
		unlink(path);
		h->check_pid = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			h->state = MHOST_UP;
			if (msg[0])
				fprintf(stderr, "hotplug-test matrix: host %s: %s\n", h->uri, msg);
		} else {
			host_down(h, msg[0] ? msg : "no answer");
		}
		return 1;
	}
	return 0;
}

int matrix_hosts_all_down(struct matrix *m)
{
	int alive = 0;

	for (int i = 0; i < m->n_hosts; i++) {
		struct mhost *h = &m->hosts[i];

		if (h->state == MHOST_CHECKING && now_ms() > h->check_deadline) {
			kill(h->check_pid, SIGKILL);	/* reaped by the scheduler's waitpid */
			h->check_pid = 0;
			host_down(h, "no answer to a connect within 30 s");
		}
		alive += h->state != MHOST_DOWN;
	}
	return !alive;
}

void matrix_hosts_why(const struct matrix *m, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = 0;
	for (int i = 0; i < m->n_hosts && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s: %s", i ? "; " : "",
					m->hosts[i].uri[0] ? m->hosts[i].uri : VIRT_EMBED_URI,
					m->hosts[i].why[0] ? m->hosts[i].why : "up");
}
