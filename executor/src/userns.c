/*
 * User namespaces. Init is cloned with CLONE_NEWUSER together with its
 * other new namespaces; the kernel creates the user namespace first, so
 * it owns all the others. Init then has every capability in it but no
 * identity: until its uid_map and gid_map are written it is nobody. Those
 * are written from outside, by the supervisor (sync point "maps", between
 * the clone and the release): a process may only map IDs it is privileged
 * over in the parent namespace.
 *
 * Idmapped trees (the container's root, `idmap` binds) are made by the
 * supervisor too: setting MOUNT_ATTR_IDMAP needs privilege over the file
 * system's own user namespace (the host's), which init gave up with the
 * clone. The supervisor clones the tree (open_tree), attaches the
 * container's user namespace to it (mount_setattr) and sends the detached
 * mount to init over the sync socket, one message per step in plan order;
 * init receives them before its release and attaches each with move_mount
 * at its step. The files on disk are never changed: a file owned by uid 0
 * on disk is owned by the container's root inside, and what the
 * container's root creates is owned by uid 0 on disk.
 */
#include "config.h"
#include "plan.h"
#include "protocol.h"
#include "resolve.h"
#include "steps.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* "INSIDE OUTSIDE COUNT": three 32-bit numbers, COUNT > 0. */
static int check_extent(const char *item)
{
	char a[16], b[16], c[16], rest;
	uint64_t inside, outside, count;

	if (sscanf(item, "%15s %15s %15s %c", a, b, c, &rest) != 3 ||
	    parse_u64(a, 10, UINT32_MAX - 1, &inside) < 0 ||
	    parse_u64(b, 10, UINT32_MAX - 1, &outside) < 0 ||
	    parse_u64(c, 10, UINT32_MAX, &count) < 0 || count == 0 ||
	    inside + count > UINT32_MAX || outside + count > UINT32_MAX)
		return fail(EINVAL, item);
	return 0;
}

int sup_user_map(struct config *cfg, const struct step *st)
{
	const char *setgroups = st->args[2].str;

	for (int list = 0; list < 2; list++) {
		/* The kernel takes at most 340 extents per map. */
		if (st->args[list].count == 0 || st->args[list].count > 340)
			return fail(EINVAL, list ? "gid map" : "uid map");
		for (size_t i = 0; i < st->args[list].count; i++)
			if (check_extent(st->args[list].items[i]) < 0)
				return -1;
	}
	if (!strcmp(setgroups, "deny"))
		cfg->setgroups_deny = true;
	else if (strcmp(setgroups, "allow") != 0)
		return fail(EINVAL, setgroups);
	/* The items, not the step: the steps array moves as the plan grows. */
	cfg->uid_map = st->args[0].items;
	cfg->uid_count = st->args[0].count;
	cfg->gid_map = st->args[1].items;
	cfg->gid_count = st->args[1].count;
	cfg->user_map_index = st->index;
	return 0;
}

/*
 * The one place a map is written. A privileged supervisor writes
 * /proc/PID/{uid,gid}_map itself; a rootless one would run
 * newuidmap/newgidmap PID INSIDE OUTSIDE COUNT... here instead.
 */
static int write_map(pid_t pid, const char *file, char **items, size_t count)
{
	char path[64], buf[340 * 36];
	size_t len = 0;
	int fd, rc = 0;

	for (size_t i = 0; i < count; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s\n",
					items[i]);
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, file);
	/* The kernel takes a map in one write(2) only. */
	if (write(fd, buf, len) != (ssize_t)len)
		rc = fail(errno, file);
	close(fd);
	return rc;
}

/* Whether step S mounts a tree the supervisor idmaps, and which. */
static bool takes_tree(const struct step *s, const char **source,
		       bool *recursive)
{
	if (s->op->init == step_enter_root_idmapped) {
		*source = s->args[0].str;
		*recursive = true;
		return true;
	}
	if (s->op->init == step_mount && mount_is_idmapped(s, recursive)) {
		*source = s->args[0].str;
		return true;
	}
	return false;
}

/*
 * The propagation of a tree sent to init. open_tree clones it in our
 * (the host's) mount namespace, where a clone of a shared mount joins its
 * peer group: whatever init then mounted on the tree would appear on the
 * host (systemd makes `/` shared). So it is made private -- or a slave of
 * the host's, receiving but never sending, when the plan's `propagation`
 * asks for slave or shared (an idmapped tree is never shared with the
 * host's).
 */
static unsigned long tree_propagation(const struct plan *plan)
{
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].op->init == step_propagation)
			return strcmp(plan->steps[i].args[0].str, "private") ? MS_SLAVE : MS_PRIVATE;
	return MS_PRIVATE;
}

/* A detached clone of SOURCE seen through USERNSFD's ID maps. */
static int make_tree(int usernsfd, const char *source, bool recursive,
		     unsigned long propagation)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP,
				   .propagation = propagation,
				   .userns_fd = (uint64_t)usernsfd };
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	int fd;

	fd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (fd < 0)
		return fail(errno, source);
	if (mount_setattr(fd, "", AT_EMPTY_PATH | rec, &attr, sizeof attr) < 0) {
		fail(errno, source);
		close(fd);
		return -1;
	}
	return fd;
}

static int send_tree(int syncfd, int usernsfd, const char *source,
		     bool recursive, unsigned long propagation)
{
	int fd, rc = 0;

	fd = make_tree(usernsfd, source, recursive, propagation);
	if (fd < 0)
		return -1;
	if (send_fds(syncfd, &fd, 1, "T", 1) < 0)
		rc = fail(errno, "sync");
	close(fd);
	return rc;
}

static int open_userns(pid_t init)
{
	char path[64];
	int fd;

	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? fail(errno, path) : fd;
}

/* The host ID that ID is inside, by a map's extents; -1 if unmapped. */
static int64_t host_id(char **items, size_t count, uint64_t id)
{
	for (size_t i = 0; i < count; i++) {
		unsigned long long inside, outside, n;

		if (sscanf(items[i], "%llu %llu %llu", &inside, &outside, &n) == 3 &&
		    id >= inside && id - inside < n)
			return (int64_t)(outside + (id - inside));
	}
	return -1;
}

int userns_root_ids(const struct config *cfg, uid_t *uid, gid_t *gid)
{
	int64_t u = host_id(cfg->uid_map, cfg->uid_count, 0);
	int64_t g = host_id(cfg->gid_map, cfg->gid_count, 0);

	if (u < 0 || g < 0)
		return -1;
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

int userns_set_up(const struct config *cfg, const struct plan *plan,
		  pid_t init, int syncfd, const char *console,
		  int *index, const char **opcode)
{
	char path[64];
	int usernsfd = -1, rc = 0;

	*index = cfg->user_map_index;
	*opcode = "user-map";
	/* Only where the gid map is written without CAP_SETGID above
	 * (rootless): otherwise setgroups(2) stays as inside root expects. */
	if (cfg->setgroups_deny) {
		int fd;

		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)init);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "deny", 4) != 4)
			rc = fail(errno, "setgroups");
		if (fd >= 0)
			close(fd);
		if (rc < 0)
			return rc;
	}
	if (cfg->uid_helper) {
		if (run_map_helper(cfg->uid_helper, cfg->uid_helper_count, init,
				   cfg->uid_map, cfg->uid_count) < 0 ||
		    run_map_helper(cfg->gid_helper, cfg->gid_helper_count, init,
				   cfg->gid_map, cfg->gid_count) < 0)
			return -1;
	} else if (write_map(init, "uid_map", cfg->uid_map, cfg->uid_count) < 0 ||
		   write_map(init, "gid_map", cfg->gid_map, cfg->gid_count) < 0)
		return -1;
	/* The console is the container root's (a host root's PTY would be
	 * nobody's inside, and nobody's to open): as systemd-nspawn does. */
	if (console) {
		uid_t uid;
		gid_t gid;

		if (userns_root_ids(cfg, &uid, &gid) == 0 &&
		    chown(console, uid, gid) < 0)
			return fail(errno, console);
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];
		const char *source;
		bool recursive;

		/* The stage's helper makes its own (stage.c). */
		if (s->staged || !takes_tree(s, &source, &recursive))
			continue;
		*index = s->index;
		*opcode = s->op->name;
		if (usernsfd < 0 && (usernsfd = open_userns(init)) < 0)
			return -1;
		rc = send_tree(syncfd, usernsfd, source, recursive, tree_propagation(plan));
		if (rc < 0)
			break;
	}
	if (usernsfd >= 0)
		close(usernsfd);
	return rc;
}

int userns_make_staged_trees(struct plan *plan, pid_t init, int *index,
			     const char **opcode)
{
	int usernsfd = -1, rc = 0;

	for (size_t i = 0; i < plan->nsteps && rc == 0; i++) {
		struct step *s = &plan->steps[i];
		const char *source;
		bool recursive;

		if (!s->staged || !takes_tree(s, &source, &recursive))
			continue;
		*index = s->index;
		*opcode = s->op->name;
		if (usernsfd < 0 && (usernsfd = open_userns(init)) < 0)
			return -1;
		s->fd = make_tree(usernsfd, source, recursive, tree_propagation(plan));
		if (s->fd < 0)
			rc = -1;
	}
	if (usernsfd >= 0)
		close(usernsfd);
	return rc;
}

static int recv_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *cm;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	cm = CMSG_FIRSTHDR(&msg);
	if (n != 1 || c != 'T' || !cm || cm->cmsg_type != SCM_RIGHTS) {
		errno = n == 0 ? EPIPE : EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	return fd;
}

int userns_receive_trees(const struct plan *plan, int syncfd, int *index,
			 const char **opcode)
{
	for (size_t i = 0; i < plan->nsteps; i++) {
		struct step *s = &plan->steps[i];
		const char *source;
		bool recursive;

		if (s->staged || !takes_tree(s, &source, &recursive))
			continue;
		*index = s->index;
		*opcode = s->op->name;
		s->fd = recv_fd(syncfd);
		if (s->fd < 0)
			return fail(errno, source);
	}
	return 0;
}

/*
 * Mapped now: init takes the identity of the namespace's root (it was the
 * host's root, unmapped in here). Going to uid 0 keeps every capability;
 * a map without 0 leaves init nobody until `credentials`.
 */
int userns_become_root(const struct config *cfg)
{
	/* A joined namespace may have setgroups denied: then it stays. */
	if (!cfg->setgroups_deny && setgroups(0, NULL) < 0 &&
	    !(errno == EPERM && cfg->join_userns_fd >= 0))
		return fail(errno, "setgroups");
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return fail(errno, "gid 0");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return fail(errno, "uid 0");
	return 0;
}

/* The idmapped tree (sent at "maps"), attached on the root path (opened
 * by init at its start, see open_root_targets). */

int step_enter_root_idmapped(struct init_state *st, const struct step *s)
{
	int rc;

	if (s->fd < 0)
		return fail(EBADF, "no idmapped tree");
	rc = attach_root(st, s->fd, s->rootfd, s->args[0].str);
	close(s->fd);
	close(s->rootfd);
	return rc;
}

/*
 * `join-ns user PATH`: init, cloned without namespaces, is a helper that
 * joins the user namespace and then clones the real init into the new
 * namespaces, which that user namespace owns (clone(2) cannot create them
 * inside one that already exists); it reports its PID and exits, and the
 * supervisor, a subreaper, adopts it -- as with an exec's helper.
 */
int enter_user_namespace(struct init_state *st, const struct config *cfg)
{
	long pid;

	if (setns(cfg->join_userns_fd, CLONE_NEWUSER) < 0)
		return fail(errno, "setns");
	close(cfg->join_userns_fd);
	/* Like fork(2); raw, as glibc does not know this process (main.c). */
	pid = syscall(SYS_clone, cfg->ns_flags | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return fail(errno, "clone");
	if (pid > 0) {
		sync_report_pid(st->syncfd, (pid_t)pid);
		_exit(0);
	}
	if (cfg->ns_flags & CLONE_NEWPID)
		st->parent = 0;	/* the supervisor, outside our PID namespace */
	/* Inside paths resolve in our own mount namespace's copy of /. */
	set_root(st, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	return st->rootfd < 0 ? fail(errno, "/") : 0;
}
