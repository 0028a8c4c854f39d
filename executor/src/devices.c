/* Device nodes and symlinks inside the container. Init runs its steps with
 * umask 0, so a node gets exactly the MODE the plan asks for. */
#include "plan.h"
#include "resolve.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* An existing node of the same type and device number is fine: the plan
 * may be run on a tree where it already exists. */
static int same_node(int dirfd, const char *name, mode_t type, dev_t dev)
{
	struct stat sb;

	return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	       (sb.st_mode & S_IFMT) == type && sb.st_rdev == dev;
}

int step_mknod(struct init_state *st, const struct step *s)
{
	const char *path = s->args[0].str, *type = s->args[1].str;
	uint64_t major, minor, mode, uid, gid;
	char name[NAME_MAX + 1];
	mode_t fmt;
	dev_t dev;
	int dirfd, rc = 0;

	if (!strcmp(type, "c"))
		fmt = S_IFCHR;
	else if (!strcmp(type, "b"))
		fmt = S_IFBLK;
	else
		return fail(EINVAL, type);
	if (parse_u64(s->args[2].str, 10, 0xfff, &major) < 0 ||
	    parse_u64(s->args[3].str, 10, 0xfffff, &minor) < 0 ||
	    parse_u64(s->args[4].str, 8, 07777, &mode) < 0 ||
	    parse_u64(s->args[5].str, 10, UINT32_MAX - 1, &uid) < 0 ||
	    parse_u64(s->args[6].str, 10, UINT32_MAX - 1, &gid) < 0)
		return fail(EINVAL, path);
	dev = makedev(major, minor);
	dirfd = resolve_parent(st->rootfd, path, name, sizeof name);
	if (dirfd < 0)
		return fail(errno, path);
	if (mknodat(dirfd, name, fmt | (mode_t)mode, dev) < 0) {
		int err = errno;
		if (err != EEXIST || !same_node(dirfd, name, fmt, dev))
			rc = fail(err, path);
	} else if (fchownat(dirfd, name, (uid_t)uid, (gid_t)gid,
			    AT_SYMLINK_NOFOLLOW) < 0) {
		rc = fail(errno, path);
	}
	close(dirfd);
	return rc;
}

/* An existing symlink with the same target is fine. */
static int same_symlink(int dirfd, const char *name, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlinkat(dirfd, name, buf, sizeof buf - 1);

	if (n < 0)
		return 0;
	buf[n] = '\0';
	return !strcmp(buf, target);
}

int step_symlink(struct init_state *st, const struct step *s)
{
	const char *target = s->args[0].str, *path = s->args[1].str;
	char name[NAME_MAX + 1];
	int dirfd, rc = 0;

	dirfd = resolve_parent(st->rootfd, path, name, sizeof name);
	if (dirfd < 0)
		return fail(errno, path);
	if (symlinkat(target, dirfd, name) < 0) {
		int err = errno;
		if (err != EEXIST || !same_symlink(dirfd, name, target))
			rc = fail(err, path);
	}
	close(dirfd);
	return rc;
}
