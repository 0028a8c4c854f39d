/*
 * `mount-copy-up`: a tmpfs mount that starts with a copy of what the
 * directory under it held (runc's `tmpcopyup` mount option, which podman
 * gives the tmpfs mounts of `--read-only` and `--tmpfs`). The directory is
 * opened before the mount, so the copy reads the image's files through
 * that fd while the new tmpfs already hides them.
 *
 * Directories, regular files, symlinks and FIFOs are copied with their
 * owner, mode and times; symlinks are copied, never followed. Device nodes
 * and sockets are left out: a tmpfs in the container should not grow
 * device nodes from an image.
 */
#include "plan.h"
#include "resolve.h"
#include "steps.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees are refused rather than walked with one fd pair per level. */
#define MAX_DEPTH 64

static int copy_attributes(int dirfd, const char *name, const struct stat *sb)
{
	const struct timespec times[2] = { sb->st_atim, sb->st_mtim };

	if (fchownat(dirfd, name, sb->st_uid, sb->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	/* After the chown, which clears set-id bits. */
	if (!S_ISLNK(sb->st_mode) && fchmodat(dirfd, name, sb->st_mode & 07777, 0) < 0)
		return -1;
	return utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW);
}

static int copy_file(int src, int dst, const char *name, const struct stat *sb)
{
	int in, out, rc = 0;
	off_t left = sb->st_size;

	in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	while (left > 0) {
		ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {	/* a file that shrank meanwhile ends the copy */
			rc = n < 0 ? -1 : 0;
			break;
		}
		left -= n;
	}
	close(in);
	close(out);
	return rc;
}

static int copy_tree(int src, int dst, int depth);

static int copy_entry(int src, int dst, const char *name, int depth)
{
	struct stat sb;
	char target[PATH_MAX];
	ssize_t len;

	if (fstatat(src, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (S_ISDIR(sb.st_mode)) {
		int from, to, rc;
		if (mkdirat(dst, name, 0700) < 0)
			return -1;
		from = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (from < 0)
			return -1;
		to = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (to < 0) {
			close(from);
			return -1;
		}
		rc = copy_tree(from, to, depth + 1);
		close(from);
		close(to);
		if (rc < 0)
			return -1;
	} else if (S_ISREG(sb.st_mode)) {
		if (copy_file(src, dst, name, &sb) < 0)
			return -1;
	} else if (S_ISLNK(sb.st_mode)) {
		len = readlinkat(src, name, target, sizeof target - 1);
		if (len < 0)
			return -1;
		target[len] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return -1;
	} else if (S_ISFIFO(sb.st_mode)) {
		if (mkfifoat(dst, name, 0600) < 0)
			return -1;
	} else {
		return 0;
	}
	return copy_attributes(dst, name, &sb);
}

/* Copies the entries of directory SRC into DST (both O_RDONLY fds). */
static int copy_tree(int src, int dst, int depth)
{
	DIR *dir;
	struct dirent *entry;
	int fd, rc = 0;

	if (depth > MAX_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	fd = dup(src);
	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while (rc == 0) {
		errno = 0;
		entry = readdir(dir);
		if (!entry) {
			rc = errno ? -1 : 0;
			break;
		}
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		rc = copy_entry(src, dst, entry->d_name, depth);
	}
	closedir(dir);
	return rc;
}

int step_mount_copy_up(struct init_state *st, const struct step *s)
{
	const char *target = s->args[1].str;
	int under, from = -1, to, rc;
	struct stat sb;

	/* What the tmpfs will hide: opened now, read after the mount. */
	under = resolve_open(st->rootfd, target, O_DIRECTORY);
	if (under >= 0) {
		from = openat(under, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(under);
		if (from < 0)
			return fail(errno, target);
	}
	if (step_mount(st, s) < 0) {
		if (from >= 0)
			close(from);
		return -1;
	}
	if (from < 0)	/* nothing was there: nothing to copy */
		return 0;
	to = -1;
	under = resolve_open(st->rootfd, target, O_DIRECTORY);
	if (under >= 0) {
		to = openat(under, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(under);
	}
	rc = to < 0 || copy_tree(from, to, 0) < 0 || fstat(from, &sb) < 0 ||
	     fchown(to, sb.st_uid, sb.st_gid) < 0 || fchmod(to, sb.st_mode & 07777) < 0
		     ? fail(errno, target) : 0;
	close(from);
	if (to >= 0)
		close(to);
	return rc;
}
