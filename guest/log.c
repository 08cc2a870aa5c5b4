/* Agent logging: /dev/kmsg always, a LOG frame when the host is there; fatal exit. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>
#include "agent.h"

static void log_v(struct agent *a, int prio, const char *fmt, va_list ap)
{
	char msg[512], line[560], *c;
	int n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	for (c = msg; *c; c++)	/* one record, one line */
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	n = snprintf(line, sizeof(line), "<%d>" AG_NAME ": %s\n", prio, msg);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	if (a->kmsg_w >= 0) {
		if (write(a->kmsg_w, line, n) < 0) {
			/* nothing better to do */
		}
	} else {
		fprintf(stderr, AG_NAME ": %s\n", msg);
	}
	if (a->connected && !a->sending)
		ag_send(a, 0, HPT_MSG_LOG, msg, strlen(msg));
}

void ag_klog(struct agent *a, const char *fmt, ...)
{
	int connected = a->connected;
	va_list ap;

	a->connected = 0;	/* kernel log only */
	va_start(ap, fmt);
	log_v(a, 6, fmt, ap);
	va_end(ap);
	a->connected = connected;
}

void ag_log(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(a, 5, fmt, ap);
	va_end(ap);
}

void ag_power_off(struct agent *a)
{
	sync();
	reboot(RB_POWER_OFF);
	/* PID 1 must not exit: if power off failed, wait forever. */
	for (;;)
		pause();
}

void ag_fatal(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(a, 2, fmt, ap);
	va_end(ap);
	if (a->kmsg_w >= 0) {
		static const char bye[] = "<2>" AG_NAME ": fatal, powering off\n";

		if (write(a->kmsg_w, bye, sizeof(bye) - 1) < 0) {
			/* ignore */
		}
	}
	if (a->service)		/* not PID 1: the system restarts us (hp-agent.service) */
		_exit(1);
	ag_power_off(a);
}
