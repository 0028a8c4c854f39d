#include "protocol.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Details come from the plan (paths, argv[0]): keep them on one line. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void ctl_send(const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 2)
		n = sizeof line - 2;
	line[n] = '\0';
	sanitize(line);
	line[n++] = '\n';
	/* SIGPIPE is ignored: if TypeScript is gone this just fails. */
	write_all(CTL_FD, line, (size_t)n);
}

ssize_t linebuf_fill(struct linebuf *lb, int fd)
{
	ssize_t n;

	if (lb->len == sizeof lb->buf)
		lb->len = 0;	/* an absurdly long line: drop it */
	n = read(fd, lb->buf + lb->len, sizeof lb->buf - lb->len);
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? -1 : 0;
	lb->len += (size_t)n;
	return n;
}

char *linebuf_next(struct linebuf *lb)
{
	static char line[sizeof lb->buf];
	char *nl = memchr(lb->buf, '\n', lb->len);
	size_t n;

	if (!nl)
		return NULL;
	n = (size_t)(nl - lb->buf);
	memcpy(line, lb->buf, n);
	line[n] = '\0';
	if (n > 0 && line[n - 1] == '\r')
		line[n - 1] = '\0';
	lb->len -= n + 1;
	memmove(lb->buf, nl + 1, lb->len);
	return line;
}

int sync_pair(int sv[2])
{
	/* SEQPACKET keeps init's messages whole; CLOEXEC makes exec close it. */
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}

int sync_release(int fd)
{
	return send(fd, "G", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

ssize_t sync_receive(int fd, char *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, buf, len - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -1 : 0;
	buf[n] = '\0';
	return n;
}

int sync_wait_release(int fd)
{
	char c;
	ssize_t n;

	do
		n = recv(fd, &c, 1, 0);
	while (n < 0 && errno == EINTR);
	/* EOF: the supervisor died before releasing us. */
	return n == 1 ? 0 : -1;
}

void sync_report_pid(int fd, pid_t pid)
{
	char msg[32];
	int n = snprintf(msg, sizeof msg, "P %d", (int)pid);

	send(fd, msg, (size_t)n, MSG_NOSIGNAL);
}

void sync_report_waiting(int fd)
{
	send(fd, "W", 1, MSG_NOSIGNAL);
}

void sync_report_hooks(int fd, const char *name)
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "H %s", name);

	if (n > (int)sizeof msg - 1)
		n = sizeof msg - 1;
	send(fd, msg, (size_t)n, MSG_NOSIGNAL);
}

void sync_report_exec(int fd)
{
	send(fd, "X", 1, MSG_NOSIGNAL);
}

void sync_report_error(int fd, int index, const char *opcode, int err,
		       const char *detail)
{
	char msg[4096];
	int n = snprintf(msg, sizeof msg, "E %d %s %d %s", index, opcode, err,
			 detail ? detail : "");

	if (n > (int)sizeof msg - 1)
		n = sizeof msg - 1;
	send(fd, msg, (size_t)n, MSG_NOSIGNAL);
}
