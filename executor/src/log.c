#include "log.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODE 0640

/* A new file gets exactly LOG_MODE, whatever our umask; an existing one
 * is appended to as it is. */
static int open_append(const char *path)
{
	int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY;
	int fd = open(path, flags | O_CREAT | O_EXCL, LOG_MODE);

	if (fd >= 0) {
		fchmod(fd, LOG_MODE);
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	return open(path, flags);
}

int log_open(struct logfile *l, const char *path, uint64_t max)
{
	struct stat sb;

	l->path = path;
	l->max = max;
	l->fd = open_append(path);
	if (l->fd < 0)
		return -1;
	if (fstat(l->fd, &sb) < 0) {
		close(l->fd);
		return -1;
	}
	l->size = (uint64_t)sb.st_size;
	return 0;
}

/* PATH -> PATH.1 (replacing an older one), then a fresh PATH. If that
 * fails we keep appending to the file we have: losing output would be
 * worse than a log over its limit. */
static void rotate(struct logfile *l)
{
	char old[PATH_MAX];
	int fd;

	l->size = 0;
	if (snprintf(old, sizeof old, "%s.1", l->path) >= (int)sizeof old ||
	    rename(l->path, old) < 0)
		return;
	fd = open_append(l->path);
	if (fd < 0)
		return;
	close(l->fd);
	l->fd = fd;
}

void log_write(struct logfile *l, const char *buf, size_t n)
{
	while (n > 0) {
		size_t chunk = n;

		/* Rotate rather than split a chunk that fits a fresh file;
		 * a chunk larger than the limit fills whole files. */
		if (l->max && l->size > 0 && l->size + n > l->max)
			rotate(l);
		if (l->max && chunk > l->max - l->size)
			chunk = (size_t)(l->max - l->size);
		write_all(l->fd, buf, chunk);
		l->size += chunk;
		buf += chunk;
		n -= chunk;
	}
}
