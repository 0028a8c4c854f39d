#include "resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int resolve_open(int rootfd, const char *path, int oflags)
{
	struct open_how how = {
		.flags = (unsigned long long)(O_PATH | O_CLOEXEC | oflags),
		/* No /proc magic links either: they jump anywhere. */
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	/* EAGAIN: a concurrent rename or mount raced a ".." lookup; retry. */
	for (int tries = 0; tries < 32; tries++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return fd;
}

/* Splits PATH into its parent (DIR) and last component (NAME). */
static int split_path(const char *path, char *dir, char *name, size_t namelen)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *slash, *last;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, path, len + 1);
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';
	slash = strrchr(buf, '/');
	last = slash ? slash + 1 : buf;
	/* "." and ".." would make the "last component" something else. */
	if (!*last || strlen(last) >= namelen || !strcmp(last, ".") ||
	    !strcmp(last, ".."))
		return -1;
	strcpy(name, last);
	if (!slash)
		strcpy(dir, ".");
	else if (slash == buf)
		strcpy(dir, "/");
	else {
		*slash = '\0';
		strcpy(dir, buf);
	}
	return 0;
}

/* Resolves DIR, creating each missing component as a 0755 directory. Each
 * prefix is resolved from the root again, so symlinks stay confined. */
static int resolve_dir_create(int rootfd, const char *dir)
{
	char prefix[PATH_MAX];
	int parent, fd = resolve_open(rootfd, dir, O_DIRECTORY);
	size_t i = 0, len = strlen(dir);

	if (fd >= 0 || errno != ENOENT)
		return fd;
	parent = resolve_open(rootfd, "/", O_DIRECTORY);
	while (parent >= 0 && i < len) {
		size_t start;
		while (dir[i] == '/')
			i++;
		start = i;
		while (i < len && dir[i] != '/')
			i++;
		if (i == start)
			break;
		memcpy(prefix, dir, i);
		prefix[i] = '\0';
		fd = resolve_open(rootfd, prefix, O_DIRECTORY);
		if (fd < 0 && errno == ENOENT) {
			char comp[NAME_MAX + 1];
			snprintf(comp, sizeof comp, "%.*s", (int)(i - start),
				 dir + start);
			if (mkdirat(parent, comp, 0755) < 0 && errno != EEXIST)
				fd = -1;
			else
				fd = resolve_open(rootfd, prefix, O_DIRECTORY);
		}
		close(parent);
		parent = fd;
	}
	return parent;
}

int resolve_parent(int rootfd, const char *path, char *name, size_t namelen)
{
	char dir[PATH_MAX];

	if (split_path(path, dir, name, namelen) < 0) {
		errno = EINVAL;
		return -1;
	}
	return resolve_dir_create(rootfd, dir);
}

static int create_last(int parent, const char *name, enum create_kind kind)
{
	int fd;

	if (kind == CREATE_DIR)
		return mkdirat(parent, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	/* O_NOFOLLOW|O_EXCL: never create through a (dangling) symlink. */
	fd = openat(parent, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

int resolve_create(int rootfd, const char *path, enum create_kind kind)
{
	char name[NAME_MAX + 1];
	int parent, fd = resolve_open(rootfd, path, 0);

	if (fd >= 0 || errno != ENOENT || kind == CREATE_NONE)
		return fd;
	parent = resolve_parent(rootfd, path, name, sizeof name);
	if (parent < 0)
		return -1;
	if (create_last(parent, name, kind) < 0) {
		int saved = errno;
		close(parent);
		errno = saved;
		return -1;
	}
	close(parent);
	/* Resolve again: whatever is there now, still confined to the root. */
	return resolve_open(rootfd, path, 0);
}
