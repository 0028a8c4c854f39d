/*
 * `ts-nspawn-executor signal PID STARTTIME SIGNAL`: sends SIGNAL to the
 * process PID only if it is still the one that started at STARTTIME
 * (field 22 of /proc/PID/stat). Node.js and Bun have no pidfd API, so
 * TypeScript cannot do this without a race against PID reuse.
 *
 * The order matters: pidfd_open first pins a process; the start time read
 * after it proves the pidfd is the process we mean (if the PID was reused
 * in between, the start time differs and nothing is sent).
 *
 * Exit status: 0 sent, 3 gone (no such process, or only its zombie),
 * 4 mismatch (the PID is another process now), 2 usage, 1 other errors.
 * PIDs <= 1 and signals outside 0..64 are refused before any syscall.
 */
#include "signal-command.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int parse_number(const char *text, long long min, long long max, long long *out)
{
	char *end;

	if (!*text || *text == '-' || *text == '+' || *text == ' ')
		return -1;
	errno = 0;
	long long value = strtoll(text, &end, 10);
	if (errno || *end || value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

/* The start time of PID as text, or "" for a zombie; -1 if it is gone. */
static int read_start_time(pid_t pid, char *out, size_t size)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and ')': fields go on after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -1;
	p += 2;
	if (*p == 'Z') {
		out[0] = '\0';
		return 0;
	}
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	size_t len = strcspn(p, " ");
	if (len == 0 || len >= size)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

int signal_command(int argc, char **argv)
{
	long long pid, start, sig;

	if (argc != 3 || parse_number(argv[0], 2, INT_MAX, &pid) || parse_number(argv[1], 0, LLONG_MAX, &start) ||
	    parse_number(argv[2], 0, 64, &sig)) {
		fprintf(stderr, "usage: ts-nspawn-executor signal PID(>1) STARTTIME SIGNAL(0-64)\n");
		return SIGNAL_USAGE;
	}
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (fd < 0) {
		if (errno == ESRCH)
			return SIGNAL_GONE;
		fprintf(stderr, "pidfd_open %lld: %s\n", pid, strerror(errno));
		return SIGNAL_ERROR;
	}
	char now[32];
	if (read_start_time((pid_t)pid, now, sizeof now) < 0 || now[0] == '\0') {
		close(fd);
		return SIGNAL_GONE;
	}
	if (strcmp(now, argv[1]) != 0) {
		close(fd);
		return SIGNAL_MISMATCH;
	}
	if (syscall(SYS_pidfd_send_signal, fd, (int)sig, NULL, 0) < 0) {
		int err = errno;
		close(fd);
		if (err == ESRCH)
			return SIGNAL_GONE;
		fprintf(stderr, "pidfd_send_signal %lld: %s\n", pid, strerror(err));
		return SIGNAL_ERROR;
	}
	close(fd);
	return SIGNAL_SENT;
}
