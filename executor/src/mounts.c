/*
 * Mount steps. Targets are resolved inside the root (resolve.c) to an O_PATH
 * fd and mount(2) is pointed at /proc/self/fd/N, so the path is looked up
 * exactly once and a symlink swapped in afterwards cannot redirect it.
 * Per-mount attributes of bind mounts are changed with mount_setattr(2),
 * which sets only the bits asked for (unlike MS_REMOUNT, which replaces them
 * all) and can apply them to a whole tree.
 */
#include "plan.h"
#include "resolve.h"
#include "steps.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum mflag_kind { MF_SB, MF_ATTR, MF_PROP, MF_BIND, MF_IDMAP };

static const struct {
	const char *name;
	enum mflag_kind kind;
	unsigned long ms;	/* mount(2) flag */
	uint64_t attr;		/* mount_setattr(2) attribute */
} mflags[] = {
	{ "ro", MF_ATTR, MS_RDONLY, MOUNT_ATTR_RDONLY },
	{ "nosuid", MF_ATTR, MS_NOSUID, MOUNT_ATTR_NOSUID },
	{ "nodev", MF_ATTR, MS_NODEV, MOUNT_ATTR_NODEV },
	{ "noexec", MF_ATTR, MS_NOEXEC, MOUNT_ATTR_NOEXEC },
	{ "noatime", MF_ATTR, MS_NOATIME, MOUNT_ATTR_NOATIME },
	{ "nodiratime", MF_ATTR, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	{ "relatime", MF_ATTR, MS_RELATIME, MOUNT_ATTR_RELATIME },
	{ "strictatime", MF_ATTR, MS_STRICTATIME, MOUNT_ATTR_STRICTATIME },
	/* superblock flags: meaningless for a bind mount */
	{ "sync", MF_SB, MS_SYNCHRONOUS, 0 },
	{ "dirsync", MF_SB, MS_DIRSYNC, 0 },
	{ "bind", MF_BIND, MS_BIND, 0 },
	{ "rbind", MF_BIND, MS_BIND | MS_REC, 0 },
	{ "private", MF_PROP, MS_PRIVATE, 0 },
	{ "rprivate", MF_PROP, MS_PRIVATE | MS_REC, 0 },
	{ "slave", MF_PROP, MS_SLAVE, 0 },
	{ "rslave", MF_PROP, MS_SLAVE | MS_REC, 0 },
	{ "shared", MF_PROP, MS_SHARED, 0 },
	{ "rshared", MF_PROP, MS_SHARED | MS_REC, 0 },
	{ "unbindable", MF_PROP, MS_UNBINDABLE, 0 },
	{ "runbindable", MF_PROP, MS_UNBINDABLE | MS_REC, 0 },
	/* a bind whose tree the supervisor idmapped (userns.c) */
	{ "idmap", MF_IDMAP, 0, 0 },
	{ "ridmap", MF_IDMAP, MS_REC, 0 },
};

struct mount_flags {
	unsigned long ms;	/* flags for the first mount(2) call */
	unsigned long prop;	/* propagation, applied by a separate call */
	struct mount_attr attr;	/* bind mounts: per-mount attributes */
	bool bind;
	bool idmap;		/* the source is a prepared idmapped tree */
};

static int add_mount_flag(struct mount_flags *mf, const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof mflags / sizeof mflags[0]; i++) {
		if (strlen(mflags[i].name) != len ||
		    strncmp(mflags[i].name, name, len))
			continue;
		if (mflags[i].kind == MF_PROP) {
			mf->prop |= mflags[i].ms;
			return 0;
		}
		mf->ms |= mflags[i].ms;
		mf->bind |= mflags[i].kind == MF_BIND || mflags[i].kind == MF_IDMAP;
		mf->idmap |= mflags[i].kind == MF_IDMAP;
		mf->attr.attr_set |= mflags[i].attr;
		/* The atime modes are one field: clear it before setting it. */
		if (mflags[i].ms & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
			mf->attr.attr_clr |= MOUNT_ATTR__ATIME;
		return 0;
	}
	return -1;
}

static int parse_mount_flags(const char *list, struct mount_flags *mf)
{
	memset(mf, 0, sizeof *mf);
	while (*list) {
		size_t len = strcspn(list, ",");
		if (len && add_mount_flag(mf, list, len) < 0)
			return -1;
		list += len;
		if (*list == ',')
			list++;
	}
	return 0;
}

/* SOURCEFD: an idmapped tree standing for SOURCE (init may not be able
 * to reach SOURCE by its path), else -1. */
static int parse_create(const char *create, const char *source, int sourcefd,
			bool bind, enum create_kind *kind)
{
	struct stat sb;

	if (!strcmp(create, "dir"))
		*kind = CREATE_DIR;
	else if (!strcmp(create, "file"))
		*kind = CREATE_FILE;
	else if (!strcmp(create, "none"))
		*kind = CREATE_NONE;
	else if (strcmp(create, "auto") != 0)
		return fail(EINVAL, create);
	else if (!bind)
		*kind = CREATE_DIR;	/* filesystems are mounted on directories */
	else if ((sourcefd >= 0 ? fstat(sourcefd, &sb) : stat(source, &sb)) < 0)
		return fail(errno, source);
	else
		*kind = S_ISDIR(sb.st_mode) ? CREATE_DIR : CREATE_FILE;
	return 0;
}

/* Per-mount attributes and propagation of the mount now on top of PATH.
 * PATH is resolved again: the fd used for mounting is the one underneath. */
static int finish_mount(int rootfd, const char *path,
			const struct mount_flags *mf)
{
	char proc[32];
	int fd, rc = 0;
	unsigned int at = AT_EMPTY_PATH | ((mf->ms & MS_REC) ? AT_RECURSIVE : 0);

	if (!(mf->bind && (mf->attr.attr_set || mf->attr.attr_clr)) && !mf->prop)
		return 0;
	fd = resolve_open(rootfd, path, 0);
	if (fd < 0)
		return fail(errno, path);
	if (mf->bind && (mf->attr.attr_set || mf->attr.attr_clr)) {
		struct mount_attr attr = mf->attr;
		if (mount_setattr(fd, "", at, &attr, sizeof attr) < 0)
			rc = fail(errno, path);
	}
	if (rc == 0 && mf->prop &&
	    mount(NULL, fd_path(fd, proc), NULL, mf->prop, NULL) < 0)
		rc = fail(errno, path);
	close(fd);
	return rc;
}

int step_mount(struct init_state *st, const struct step *s)
{
	const char *source = s->args[0].str, *target = s->args[1].str;
	const char *fstype = s->args[2].str, *data = s->args[4].str;
	struct mount_flags mf;
	enum create_kind kind = CREATE_NONE;
	char proc[32];
	int fd, rc;

	if (parse_mount_flags(s->args[3].str, &mf) < 0)
		return fail(EINVAL, s->args[3].str);
	if (parse_create(s->args[5].str, source, mf.idmap ? s->fd : -1, mf.bind,
			 &kind) < 0)
		return -1;
	fd = resolve_create(st->rootfd, target, kind);
	if (fd < 0)
		return fail(errno, target);
	if (mf.idmap)
		rc = s->fd < 0 ? (errno = EBADF, -1) :
		     move_mount(s->fd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
				MOVE_MOUNT_T_EMPTY_PATH);
	if (mf.idmap && s->fd >= 0)
		close(s->fd);	/* attached: the mount holds the tree now */
	else if (mf.bind)
		rc = mount(source, fd_path(fd, proc), NULL,
			   MS_BIND | (mf.ms & MS_REC), NULL);
	else
		rc = mount(source, fd_path(fd, proc), fstype, mf.ms,
			   *data ? data : NULL);
	if (rc < 0)
		rc = fail(errno, target);
	close(fd);
	return rc < 0 ? rc : finish_mount(st->rootfd, target, &mf);
}

bool mount_is_idmapped(const struct step *s, bool *recursive)
{
	struct mount_flags mf;

	if (parse_mount_flags(s->args[3].str, &mf) < 0 || !mf.idmap)
		return false;
	*recursive = (mf.ms & MS_REC) != 0;
	return true;
}

int step_propagation(struct init_state *st, const struct step *s)
{
	const char *mode = s->args[0].str;
	unsigned long flag;

	(void)st;
	if (!strcmp(mode, "private"))
		flag = MS_PRIVATE;
	else if (!strcmp(mode, "slave"))
		flag = MS_SLAVE;
	else if (!strcmp(mode, "shared"))
		flag = MS_SHARED;
	else
		return fail(EINVAL, mode);
	if (mount(NULL, "/", NULL, MS_REC | flag, NULL) < 0)
		return fail(errno, "/");
	return 0;
}

void set_root(struct init_state *st, int fd)
{
	if (st->rootfd >= 0)
		close(st->rootfd);
	st->rootfd = fd;
}

/*
 * The root path, opened by init first thing, still with the host root's
 * IDs: once it is the root of a user namespace, it is nobody in the host
 * root's directories (a 0700 temp directory) and could not walk to it.
 * Opened in init's own mount namespace (a move_mount target must be) --
 * or, for the STAGED steps, in the stage's, by its helper (stage.c).
 */
int open_root_targets(const struct plan *plan, bool staged)
{
	for (size_t i = 0; i < plan->nsteps; i++) {
		struct step *s = &plan->steps[i];
		int *slot;

		if (s->staged != staged)
			continue;
		if (s->op->init == step_enter_root)
			slot = &s->fd;
		else if (s->op->init == step_enter_root_idmapped)
			slot = &s->rootfd;	/* fd: the tree, sent later */
		else
			continue;
		*slot = open(s->args[0].str, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (*slot < 0)
			return fail(errno, s->args[0].str);
	}
	return 0;
}

int attach_root(struct init_state *st, int tree, int target, const char *path)
{
	int fd;

	if (move_mount(tree, "", target, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return fail(errno, path);
	/* The tree's fd is the root of the mount now on PATH. */
	fd = openat(tree, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, path);
	set_root(st, fd);
	return 0;
}

int step_enter_root(struct init_state *st, const struct step *s)
{
	const char *path = s->args[0].str;
	int tree, rc;

	/* pivot_root(2) needs the new root to be a mount point: a recursive
	 * bind of it (a clone, attached on top of it). */
	tree = open_tree(s->fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			 AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		return fail(errno, path);
	rc = attach_root(st, tree, s->fd, path);
	close(tree);
	close(s->fd);
	return rc;
}

int step_bind_console(struct init_state *st, const struct step *s)
{
	const char *path = s->args[0].str;
	char src[32], dst[32];
	int fd, rc = 0;

	if (st->slavefd < 0)
		return fail(0, "no console");
	fd = resolve_create(st->rootfd, path, CREATE_FILE);
	if (fd < 0)
		return fail(errno, path);
	if (mount(fd_path(st->slavefd, src), fd_path(fd, dst), NULL, MS_BIND,
		  NULL) < 0)
		rc = fail(errno, path);
	close(fd);
	return rc;
}

/* Whether FD and the directory at PATH are the same directory of the same
 * mount. */
static bool same_place(int fd, const char *path)
{
	const unsigned mask = STATX_INO | STATX_MNT_ID;
	struct statx a, b;

	return statx(fd, "", AT_EMPTY_PATH, mask, &a) == 0 &&
	       statx(AT_FDCWD, path, 0, mask, &b) == 0 &&
	       a.stx_ino == b.stx_ino && a.stx_mnt_id == b.stx_mnt_id;
}

/*
 * Our root is the root of our mount namespace -- unless the runtime runs
 * chrooted (a build system, an image builder): then the namespace still
 * holds the whole outer tree above it, and a process in the container
 * allowed to setns(2) into its own mount namespace would land there. So
 * the pivot starts from the namespace's real root: setns into our own
 * mount namespace moves us there, and pivot_root then moves all of it
 * away, to be detached. Nothing outside the container's root is left.
 */
static int to_namespace_root(void)
{
	int self, oldroot, rc;
	bool chrooted;

	self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0 || oldroot < 0)
		return fail(errno, "pidfd");
	rc = setns(self, CLONE_NEWNS);
	close(self);
	chrooted = rc == 0 && !same_place(oldroot, "/");
	close(oldroot);
	if (rc < 0)
		return fail(errno, "setns");
	/* The outer tree's mounts were not covered by `propagation`: a
	 * shared one would make pivot_root refuse, and the detach must not
	 * reach the host. */
	if (chrooted && mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail(errno, "outer root");
	return 0;
}

int step_pivot_root(struct init_state *st, const struct step *s)
{
	int fd;

	(void)s;
	if (to_namespace_root() < 0)
		return -1;
	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * the detach below then removes it without needing a directory for
	 * it inside the container. */
	if (fchdir(st->rootfd) < 0)
		return fail(errno, "fchdir");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(errno, "pivot_root");
	/* Never let the detach propagate back into the host's mounts. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail(errno, "old root");
	if (umount2(".", MNT_DETACH) < 0)
		return fail(errno, "old root");
	if (chdir("/") < 0)
		return fail(errno, "/");
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, "/");
	set_root(st, fd);
	return 0;
}

int step_mask(struct init_state *st, const struct step *s)
{
	const char *path = s->args[0].str;
	struct stat sb;
	char proc[32];
	int fd, rc;

	fd = resolve_open(st->rootfd, path, 0);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(errno, path);
	if (fstat(fd, &sb) < 0)
		rc = -1;
	else if (S_ISDIR(sb.st_mode))
		rc = mount("tmpfs", fd_path(fd, proc), "tmpfs",
			   MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	else
		rc = mount("/dev/null", fd_path(fd, proc), NULL, MS_BIND, NULL);
	if (rc < 0)
		rc = fail(errno, path);
	close(fd);
	return rc;
}

/* Whether FD is the root directory itself (same inode on the same mount). */
static bool is_root(int rootfd, int fd)
{
	const unsigned mask = STATX_INO | STATX_MNT_ID;
	struct statx a, b;

	return statx(rootfd, "", AT_EMPTY_PATH, mask, &a) == 0 &&
	       statx(fd, "", AT_EMPTY_PATH, mask, &b) == 0 &&
	       a.stx_ino == b.stx_ino && a.stx_mnt_id == b.stx_mnt_id &&
	       a.stx_dev_major == b.stx_dev_major &&
	       a.stx_dev_minor == b.stx_dev_minor;
}

static int set_readonly(int fd, unsigned int at, const char *path)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };

	if (mount_setattr(fd, "", AT_EMPTY_PATH | at, &attr, sizeof attr) < 0)
		return fail(errno, path);
	return 0;
}

int step_readonly(struct init_state *st, const struct step *s)
{
	const char *path = s->args[0].str;
	char proc[32];
	int fd, rc;

	fd = resolve_open(st->rootfd, path, 0);
	if (fd < 0)
		return errno == ENOENT ? 0 : fail(errno, path);
	/* A mount on top of the root would never be seen: path lookups start
	 * at the root, underneath it. So, like runc and crun, the root mount
	 * is made read-only in place -- only it, not the mounts on it. */
	if (is_root(st->rootfd, fd)) {
		rc = set_readonly(fd, 0, path);
		close(fd);
		return rc;
	}
	fd_path(fd, proc);
	rc = mount(proc, proc, NULL, MS_BIND | MS_REC, NULL);
	close(fd);
	if (rc < 0)
		return fail(errno, path);
	/* Resolved again: the fd used above is the one underneath. */
	fd = resolve_open(st->rootfd, path, 0);
	if (fd < 0)
		return fail(errno, path);
	rc = set_readonly(fd, AT_RECURSIVE, path);
	close(fd);
	return rc;
}

int step_chdir(struct init_state *st, const struct step *s)
{
	const char *path = s->args[0].str;
	int fd = resolve_open(st->rootfd, path, O_DIRECTORY), rc = 0;

	if (fd < 0)
		return fail(errno, path);
	if (fchdir(fd) < 0)
		rc = fail(errno, path);
	close(fd);
	return rc;
}
