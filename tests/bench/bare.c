/*
 * bare RUN_DIR OUT_DIR: the baseline of `make bench` — the same guest work as a
 * hotplug-test run, without libvirt and without the controller. QEMU is started directly
 * with the run's kernel, initramfs, command line and memory options (read from its
 * domain.xml, x86_64), DIMMs are added and removed over QMP (object-add + device_add,
 * device_del waiting for the DEVICE_DELETED event), and the agent is sent exactly the
 * requests the run sent, in the same order (its agent.log; the "note step PHASE" lines
 * say which phase each belongs to), each waited for. Prints the time of each phase as
 * the run's results.json counts them ("boot=MS plug=MS online=MS verify=MS teardown=MS
 * total=MS"); exit 0, or 1 with the reason when the replay went wrong. Nothing sleeps:
 * every wait is for a frame, a QMP reply or event, or QEMU's exit, with a deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bare.h"

uint64_t bare_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void bare_die(const char *fmt, ...)
{
	va_list ap;

	fputs("bare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* A listening unix socket at path (QEMU gets it as fd=: we can connect at once). */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		bare_die("socket %s", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
		bare_die("listen %s: %s", path, strerror(errno));
	return fd;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		bare_die("connect %s: %s", path, strerror(errno));
	return fd;
}

/* Appends the NULL-terminated arguments to argv at n; the new n. */
static int args(char **argv, int n, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, n);
	while ((a = va_arg(ap, const char *)))
		argv[n++] = (char *)a;
	va_end(ap);
	return n;
}

/* Starts QEMU as libvirt would for the run's domain (the guest-visible parts). */
static pid_t start_qemu(const struct bare_dom *d, const char *out, int qmp_fd, int agent_fd)
{
	char *argv[96], mem[96], smp[32], con[PATH_MAX + 64], numa[8][160], obj[8][160];
	char log[PATH_MAX];
	int n = 0;
	pid_t pid;

	snprintf(mem, sizeof(mem), "size=%lluk,slots=%llu,maxmem=%lluk", d->mem_kib,
		 d->slots, d->maxmem_kib);
	snprintf(smp, sizeof(smp), "%llu", d->cpus);
	snprintf(con, sizeof(con), "file,id=charserial0,path=%s/console.log", out);
	n = args(argv, n, d->emulator, "-machine", "pc,usb=off,dump-guest-core=off", "-accel",
		 "tcg", "-cpu", "qemu64", NULL);
	if (d->loader[0])
		n = args(argv, n, "-bios", d->loader, NULL);
	n = args(argv, n, "-m", mem, "-smp", smp, NULL);
	for (int i = 0; i < d->n_cells; i++) {
		snprintf(obj[i], sizeof(obj[i]), "memory-backend-ram,id=ram-node%d,size=%lluk", i,
			 d->cell_kib[i]);
		if (i == 0)
			snprintf(numa[i], sizeof(numa[i]), "node,nodeid=0,cpus=0-%llu,memdev=ram-node0",
				 d->cpus - 1);
		else
			snprintf(numa[i], sizeof(numa[i]), "node,nodeid=%d,memdev=ram-node%d", i, i);
		n = args(argv, n, "-object", obj[i], "-numa", numa[i], NULL);
	}
	n = args(argv, n, "-display", "none", "-no-user-config", "-nodefaults",
		 "-chardev", "socket,id=qmp,fd=3,server=on,wait=off",
		 "-mon", "chardev=qmp,mode=control", "-rtc", "base=utc", "-no-shutdown",
		 "-kernel", d->kernel, "-initrd", d->initrd, "-append", d->cmdline,
		 "-device", "piix3-usb-uhci,id=usb,bus=pci.0,addr=0x1.0x2",
		 "-device", "virtio-serial-pci,id=virtio-serial0,bus=pci.0,addr=0x2",
		 "-chardev", con, "-device", "isa-serial,chardev=charserial0,id=serial0,index=0",
		 "-chardev", "socket,id=charchannel0,fd=4,server=on,wait=off",
		 "-device", "virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,"
		 "id=channel0,name=org.hotplug-test.agent.0",
		 "-device", "pvpanic", NULL);
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/qemu.log", out);
	pid = fork();
	if (pid == 0) {
		int lfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (lfd >= 0) {
			dup2(lfd, 1);
			dup2(lfd, 2);
		}
		if (dup2(qmp_fd, 3) < 0 || dup2(agent_fd, 4) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		bare_die("fork: %s", strerror(errno));
	return pid;
}

static const char *const phases[] = { "boot", "plug", "online", "verify", "teardown" };

static int phase_index(const char *name)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(phases[i], name))
			return i;
	bare_die("unknown phase '%s' in the transcript", name);
	return -1;
}

int main(int argc, char **argv)
{
	struct bare_dom d;
	struct bare_agent ag;
	struct bare_qmp q;
	char path[PATH_MAX + 32], line[8192], step[512] = "";
	uint64_t ms[5] = { 0 }, t, total = 0;
	int phase = 0, qmp_l, agent_l, n_dimms = 0, status;
	struct { uint32_t first, count; int live; } dimm[32];
	FILE *f;
	pid_t pid;

	if (argc != 3)
		bare_die("usage: bare RUN_DIR OUT_DIR");
	bare_read_domain(argv[1], &d);
	snprintf(path, sizeof(path), "%s/agent.log", argv[1]);
	f = fopen(path, "r");
	if (!f)
		bare_die("%s: %s", path, strerror(errno));
	/* start at the last hello before the first step: what the run's boot asked after */
	{
		long at = 0;

		while (fgets(line, sizeof(line), f) && !strstr(line, " note step "))
			if (strstr(line, " hello "))
				at = ftell(f);
		fseek(f, at, SEEK_SET);
	}
	snprintf(path, sizeof(path), "%s/qmp.sock", argv[2]);
	qmp_l = listen_at(path);
	snprintf(path, sizeof(path), "%s/agent.sock", argv[2]);
	agent_l = listen_at(path);
	t = bare_now_ms();
	pid = start_qemu(&d, argv[2], qmp_l, agent_l);
	snprintf(path, sizeof(path), "%s/qmp.sock", argv[2]);
	bare_qmp_open(&q, connect_to(path));
	snprintf(path, sizeof(path), "%s/agent.sock", argv[2]);
	bare_agent_open(&ag, connect_to(path));
	close(qmp_l);
	close(agent_l);
	bare_agent_hello(&ag, t + 600000);
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' '), *what, *rest;
		uint32_t first, count;
		char cond[16];

		line[strcspn(line, "\n")] = 0;
		if (!sp)
			continue;
		what = sp + 1;
		rest = strchr(what, ' ');
		rest = rest ? rest + 1 : what + strlen(what);
		if (!strncmp(what, "note step ", 10)) {
			char name[16];

			snprintf(step, sizeof(step), "%s", what + 10);
			if (sscanf(what + 10, "%15s", name) == 1) {
				uint64_t now = bare_now_ms();

				ms[phase] += now - t;
				t = now;
				phase = phase_index(name);
			}
			continue;
		}
		if (strncmp(what, "req ", 4))
			continue;
		/* a DIMM arrives before the guest is asked to see it, and leaves before the
		 * guest is asked to see it gone */
		if (sscanf(rest, "wait-blocks %u %u %15s", &first, &count, cond) == 3) {
			if (!strcmp(cond, "present")) {
				if (n_dimms == 32)
					bare_die("more than 32 DIMMs");

				dimm[n_dimms].first = first;
				dimm[n_dimms].count = count;
				dimm[n_dimms].live = 1;
				const char *node = strstr(step, " node=");

				bare_qmp_plug(&q, n_dimms, (uint64_t)count * ag.block_size,
					      node ? atoi(node + 6) : 0);
				n_dimms++;
			} else if (!strcmp(cond, "absent")) {
				for (int i = 0; i < n_dimms; i++)
					if (dimm[i].live && dimm[i].first == first &&
					    dimm[i].count == count) {
						bare_qmp_unplug(&q, i, bare_now_ms() + 600000);
						dimm[i].live = 0;
					}
			}
		}
		bare_agent_call(&ag, rest, bare_now_ms() + 600000);
	}
	fclose(f);
	/* the run's end: its guest destroyed (libvirt: SIGTERM, then waits for the exit) */
	if (phase != 4) {
		ms[phase] += bare_now_ms() - t;
		t = bare_now_ms();
		phase = 4;
	}
	bare_agent_close(&ag);
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	bare_qmp_close(&q);
	ms[phase] += bare_now_ms() - t;
	for (int i = 0; i < 5; i++) {
		printf("%s%s=%llu", i ? " " : "", phases[i], (unsigned long long)ms[i]);
		total += ms[i];
	}
	printf(" total=%llu\n", (unsigned long long)total);
	return 0;
}
