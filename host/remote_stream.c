/* A libvirt stream bridged to a local socket or file (see remote.h). Everything moves
 * in libvirt's event loop thread (virt.c runs it), never blocking it: each direction has
 * one buffer, and a side is only asked for more once the other took what it had. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "remote.h"

#define BUF 65536

struct rstream {
	pthread_mutex_t lock;
	int refs;		/* ours, and one per registered callback (freed by ff) */
	virStreamPtr st;
	int st_cb;		/* the stream callback is registered */
	int fd;			/* local end: the connected socket or the file; -1 */
	int listen_fd;		/* socket mode, until the client connects */
	int watch, lwatch;	/* virEventAddHandle ids of fd and listen_fd; -1 */
	int file;		/* stream to file only */
	uint64_t max, written;	/* file: bytes it may hold, bytes written */
	int shut;		/* the local end is closed; nothing moves any more */
	char path[108];		/* the listening socket's path */
	char in[BUF];		/* from the stream, for the socket */
	size_t in_len, in_off;
	char out[BUF];		/* from the socket, for the stream */
	size_t out_len, out_off;
};

static void unref(struct rstream *b)
{
	int left;

	pthread_mutex_lock(&b->lock);
	left = --b->refs;
	pthread_mutex_unlock(&b->lock);
	if (left)
		return;
	if (b->fd >= 0)
		close(b->fd);
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static void release(void *o)
{
	unref(o);
}

/* The local end goes: a reader of the socket sees EOF. No libvirt call on the stream:
 * this also runs from the connection's close callback. */
static void shut_locked(struct rstream *b)
{
	if (b->shut)
		return;
	b->shut = 1;
	if (b->watch >= 0)
		virEventRemoveHandle(b->watch);
	if (b->lwatch >= 0)
		virEventRemoveHandle(b->lwatch);
	b->watch = b->lwatch = -1;
	if (b->fd >= 0 && !b->file)
		shutdown(b->fd, SHUT_RDWR);
	if (b->listen_fd >= 0 && b->path[0])
		unlink(b->path);
}

/* Asks libvirt for the events each side can take now. */
static void update(struct rstream *b)
{
	int se = 0, fe = 0;

	if (b->shut) {
		if (b->st_cb)
			virStreamEventUpdateCallback(b->st, 0);
		return;
	}
	if (b->file || !b->in_len)
		se |= VIR_STREAM_EVENT_READABLE;
	if (b->out_len)
		se |= VIR_STREAM_EVENT_WRITABLE;
	if (b->st_cb)
		virStreamEventUpdateCallback(b->st, se);
	if (b->in_len)
		fe |= VIR_EVENT_HANDLE_WRITABLE;
	if (!b->out_len)
		fe |= VIR_EVENT_HANDLE_READABLE;
	if (b->watch >= 0)
		virEventUpdateHandle(b->watch, fe);
}

/* Writes what came from the stream to the socket, as far as it takes it. */
static void flush_fd(struct rstream *b)
{
	while (b->fd >= 0 && b->in_off < b->in_len) {
		ssize_t n = write(b->fd, b->in + b->in_off, b->in_len - b->in_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			shut_locked(b);
			return;
		}
		b->in_off += (size_t)n;
	}
	if (b->in_off == b->in_len)
		b->in_len = b->in_off = 0;
}

/* Sends what came from the socket to the stream, as far as it takes it. */
static void push_stream(struct rstream *b)
{
	while (b->out_off < b->out_len) {
		int n = virStreamSend(b->st, b->out + b->out_off, b->out_len - b->out_off);

		if (n == -2)
			return;
		if (n < 0) {
			shut_locked(b);
			return;
		}
		b->out_off += (size_t)n;
	}
	b->out_len = b->out_off = 0;
}

/* Takes what the stream has: into the file, or into the buffer for the socket. */
static void pull(struct rstream *b)
{
	char buf[BUF];

	while (!b->shut) {
		int n;

		if (!b->file && b->in_len)
			return;	/* the socket has not taken the last chunk yet */
		n = virStreamRecv(b->st, b->file ? buf : b->in, BUF);
		if (n == -2)
			return;
		if (n <= 0) {	/* 0: the end (QEMU closed it); < 0: broken */
			shut_locked(b);
			return;
		}
		if (!b->file) {
			b->in_len = (size_t)n;
			flush_fd(b);
			continue;
		}
		if (b->written < b->max) {	/* beyond max: drained, not kept */
			size_t keep = b->max - b->written < (uint64_t)n ? b->max - b->written : (size_t)n;

			if (write(b->fd, buf, keep) != (ssize_t)keep) {
				shut_locked(b);
				return;
			}
			b->written += keep;
		}
	}
}

static void on_stream(virStreamPtr st, int events, void *o)
{
	struct rstream *b = o;

	(void)st;
	pthread_mutex_lock(&b->lock);
	if (!b->shut && (events & (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_HANGUP)))
		pull(b);
	if (!b->shut && (events & VIR_STREAM_EVENT_WRITABLE))
		push_stream(b);
	if (events & VIR_STREAM_EVENT_ERROR)
		shut_locked(b);
	update(b);
	pthread_mutex_unlock(&b->lock);
}

static void on_fd(int watch, int fd, int events, void *o)
{
	struct rstream *b = o;

	(void)watch;
	pthread_mutex_lock(&b->lock);
	if (!b->shut && (events & VIR_EVENT_HANDLE_WRITABLE))
		flush_fd(b);
	if (!b->shut && !b->out_len && (events & (VIR_EVENT_HANDLE_READABLE |
						   VIR_EVENT_HANDLE_HANGUP))) {
		ssize_t n = read(fd, b->out, BUF);

		if (n > 0) {
			b->out_len = (size_t)n;
			push_stream(b);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			shut_locked(b);	/* the controller closed the channel */
		}
	}
	if (events & VIR_EVENT_HANDLE_ERROR)
		shut_locked(b);
	update(b);
	pthread_mutex_unlock(&b->lock);
}

/* The one client connected: from now on the bridge is to its socket. */
static void on_listen(int watch, int fd, int events, void *o)
{
	struct rstream *b = o;
	int c;

	(void)watch;
	(void)events;
	pthread_mutex_lock(&b->lock);
	c = b->shut || b->fd >= 0 ? -1 : accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c >= 0) {
		virEventRemoveHandle(b->lwatch);
		b->lwatch = -1;
		unlink(b->path);
		b->fd = c;
		b->refs++;
		b->watch = virEventAddHandle(c, VIR_EVENT_HANDLE_READABLE, on_fd, b, release);
		if (b->watch < 0) {
			b->refs--;
			shut_locked(b);
		}
		flush_fd(b);	/* what the guest sent before we were there */
		update(b);
	}
	pthread_mutex_unlock(&b->lock);
}

static struct rstream *bridge_new(virStreamPtr st)
{
	struct rstream *b = calloc(1, sizeof(*b));

	pthread_mutexattr_t a;

	if (!b)
		return NULL;
	/* recursive: an event loop that ran a free function at once, inside the removal
	 * we make with the lock held, must not deadlock on it */
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&b->lock, &a);
	pthread_mutexattr_destroy(&a);
	b->refs = 1;
	b->st = st;
	b->fd = b->listen_fd = -1;
	b->watch = b->lwatch = -1;
	return b;
}

/* Registers the stream callback (a reference of its own). */
static int watch_stream(struct rstream *b)
{
	pthread_mutex_lock(&b->lock);
	b->refs++;
	if (virStreamEventAddCallback(b->st, VIR_STREAM_EVENT_READABLE, on_stream, b,
				      release) < 0) {
		b->refs--;
		pthread_mutex_unlock(&b->lock);
		return -1;
	}
	b->st_cb = 1;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

struct rstream *rstream_listen(virStreamPtr st, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct rstream *b;
	int e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	b = bridge_new(st);
	if (!b)
		return NULL;
	snprintf(b->path, sizeof(b->path), "%s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	b->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (b->listen_fd < 0 || bind(b->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(b->listen_fd, 1) < 0)
		goto fail;
	pthread_mutex_lock(&b->lock);
	b->refs++;
	b->lwatch = virEventAddHandle(b->listen_fd, VIR_EVENT_HANDLE_READABLE, on_listen, b,
				      release);
	if (b->lwatch < 0)
		b->refs--;
	pthread_mutex_unlock(&b->lock);
	if (b->lwatch < 0 || watch_stream(b) < 0) {
		errno = EIO;
		goto fail;
	}
	return b;
fail:
	e = errno;
	b->st = NULL;	/* the caller still owns st */
	rstream_free(b);
	errno = e;
	return NULL;
}

struct rstream *rstream_file(virStreamPtr st, const char *path, uint64_t max)
{
	struct rstream *b = bridge_new(st);
	int e;

	if (!b)
		return NULL;
	b->file = 1;
	b->max = max;
	b->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (b->fd < 0 || watch_stream(b) < 0) {
		e = b->fd < 0 ? errno : EIO;
		b->st = NULL;
		rstream_free(b);
		errno = e;
		return NULL;
	}
	return b;
}

void rstream_shut(struct rstream *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	shut_locked(b);
	pthread_mutex_unlock(&b->lock);
}

void rstream_free(struct rstream *b)
{
	virStreamPtr st;
	int cb;

	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	shut_locked(b);
	st = b->st;
	cb = b->st_cb;
	b->st = NULL;
	b->st_cb = 0;
	pthread_mutex_unlock(&b->lock);
	if (st) {
		if (cb)
			virStreamEventRemoveCallback(st);
		virStreamAbort(st);
		virStreamFree(st);
	}
	unref(b);
}
