#include "monitor.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

void write_exit_file(const char *path, int code, int sig)
{
	char tmp[PATH_MAX], line[32];
	int fd, n, rc;

	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof line, "%d %d\n", code, sig);
	/* Whoever reads PATH sees either nothing or the whole line. No
	 * fsync: the file only outlives the container until the next boot,
	 * and /run is empty after a boot anyway. */
	rc = write_all(fd, line, (size_t)n);
	if (close(fd) < 0 || rc < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

static void stdio_to_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
}

void run_exit_command(char **argv)
{
	stdio_to_null();
	/* fd 3 (the control channel) too: the hook is not our caller's. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	reset_signals();
	execv(argv[0], argv);
	_exit(errno == ENOENT ? 127 : 126);
}
