/*
 * Locked mounts for a container in its own user namespace.
 *
 * A mount namespace that belongs to the container's user namespace lets
 * the container's root change any mount in it: remount a read-only bind
 * writable, clear nosuid, unmount a mask. Mounts copied into it from a
 * namespace of a more privileged user namespace are locked instead
 * (mount_namespaces(7)): they cannot be unmounted one by one, nor their
 * ro/nosuid/nodev/noexec/atime flags changed, and pivot_root(2) refuses a
 * locked new root. So, as systemd-nspawn's outer child does, the
 * container's tree is built and switched to in a "stage" mount namespace
 * of the host's user namespace, and init then unshares its own copy of
 * it, in which all of it is locked:
 *
 *   supervisor  stage_enter  unshare(CLONE_NEWNS): the stage, / made rslave
 *               clone        init, in its new namespaces but the stage's
 *                            mount namespace
 *               maps         init's uid_map/gid_map (userns.c)
 *               stage_run    a helper, forked into the container's PID
 *                            namespace and joining its network, IPC and
 *                            UTS ones (so its proc and sysfs mounts are
 *                            the container's), runs the steps between
 *                            `stage-mounts` and `stage-end`: the root,
 *                            mounts, devices, the console, pivot_root,
 *                            sysctl, masks, read-only paths
 *               stage_leave  back to the host's mount namespace
 *   init        stage-mounts unshare(CLONE_NEWNS): its own, locked copy
 *
 * The stage's file systems belong to the host's user namespace: the
 * helper creates files (and tmpfs roots) with the container root's host
 * IDs, and TypeScript translates the IDs a tmpfs's options name
 * (src/plan/stage.ts). What must belong to the container's namespaces
 * (devpts, mqueue, the cgroup hierarchies) stays init's to mount, after
 * the stage.
 */
#include "config.h"
#include "plan.h"
#include "protocol.h"
#include "stage.h"
#include "steps.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int stage_enter(struct stage *sg)
{
	sg->host_mnt = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	sg->host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	sg->host_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sg->host_mnt < 0 || sg->host_root < 0 || sg->host_cwd < 0)
		return fail(errno, "mount namespace");
	if (unshare(CLONE_NEWNS) < 0)
		return fail(errno, "unshare");
	/* Nothing done in the stage may reach the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return fail(errno, "/");
	return 0;
}

int stage_leave(struct stage *sg)
{
	int rc = 0;

	/* setns puts us at the namespace's root; a chrooted runtime's root
	 * and our directory are put back too. */
	if (setns(sg->host_mnt, CLONE_NEWNS) < 0 || fchdir(sg->host_root) < 0 ||
	    chroot(".") < 0 || fchdir(sg->host_cwd) < 0)
		rc = fail(errno, "mount namespace");
	close(sg->host_mnt);
	close(sg->host_root);
	close(sg->host_cwd);
	sg->host_mnt = sg->host_root = sg->host_cwd = -1;
	return rc;
}

static int join_namespace(pid_t init, const char *name, int type)
{
	char path[64];
	int fd, rc = 0;

	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)init, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(errno, path);
	if (setns(fd, type) < 0)
		rc = fail(errno, path);
	close(fd);
	return rc;
}

/*
 * What the stage creates (a bind's mount point, a device's stand-in, a
 * link in /dev) belongs to the container's root, as if init had made it:
 * on an idmapped root a file of the host's root could not even be created
 * (its owner has no ID there). The file-system UID changes, our capability
 * to act on any file stays.
 */
static int create_as_container_root(const struct config *cfg)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	uid_t uid;
	gid_t gid;

	if (userns_root_ids(cfg, &uid, &gid) < 0)
		return 0;
	setfsgid(gid);
	setfsuid(uid);
	/* Leaving fsuid 0 cleared CAP_CHOWN, CAP_DAC_OVERRIDE... from the
	 * effective set; they are still permitted. */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return fail(errno, "capget");
	data[0].effective = data[0].permitted;
	data[1].effective = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(errno, "capset");
	return 0;
}

static void __attribute__((noreturn))
helper_report(int syncfd, int index, const char *opcode)
{
	sync_report_error(syncfd, index, opcode, failure.err, failure.detail);
	_exit(125);
}

/* The helper: host root, in the container's namespaces but the user and
 * mount ones. It never execs and is gone before init runs a step. */
static void __attribute__((noreturn))
run_helper(struct plan *plan, const struct config *cfg, pid_t init,
	   const char *console, int syncfd)
{
	static const struct {
		const char *name;
		int type;
	} joins[] = { { "net", CLONE_NEWNET }, { "ipc", CLONE_NEWIPC },
		      { "uts", CLONE_NEWUTS } };
	struct init_state st = { .rootfd = -1, .slavefd = -1, .syncfd = syncfd,
				 .plan = plan };
	int index = plan->steps[plan->stage_at].index;
	const char *opcode = "stage-mounts";

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_DUMPABLE, 0);
	for (size_t i = 0; i < sizeof joins / sizeof joins[0]; i++)
		if (join_namespace(init, joins[i].name, joins[i].type) < 0)
			helper_report(syncfd, index, opcode);
	/* As init: nodes and directories get exactly the modes asked for. */
	umask(0);
	if (open_root_targets(plan, true) < 0)
		helper_report(syncfd, -1, "enter-root");
	if (userns_make_staged_trees(plan, init, &index, &opcode) < 0)
		helper_report(syncfd, index, opcode);
	/* `bind-console` binds it from here: a bind's source must be a mount
	 * of our namespace. */
	if (console) {
		st.slavefd = open(console, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (st.slavefd < 0) {
			fail(errno, console);
			helper_report(syncfd, cfg->console_index, "console");
		}
	}
	if (create_as_container_root(cfg) < 0)
		helper_report(syncfd, index, opcode);
	set_root(&st, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (st.rootfd < 0) {
		fail(errno, "/");
		helper_report(syncfd, index, opcode);
	}
	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];

		if (s->staged && s->op->init(&st, s) < 0)
			helper_report(syncfd, s->index, s->op->name);
	}
	_exit(0);
}

int stage_run(struct plan *plan, const struct config *cfg, pid_t init,
	      const char *console, char *error, size_t len)
{
	const int index = plan->steps[plan->stage_at].index;
	int sv[2] = { -1, -1 }, pidns, own, status, err = 0;
	const char *what = "helper";
	char path[64];
	pid_t helper;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/ns/pid", (int)init);
	pidns = open(path, O_RDONLY | O_CLOEXEC);
	own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (pidns < 0 || own < 0 || sync_pair(sv) < 0) {
		err = errno;
		goto out;
	}
	/* Our next child is born in the container's PID namespace: mounted
	 * by it, proc shows the container's processes. */
	if (setns(pidns, CLONE_NEWPID) < 0) {
		err = errno;
		what = "setns";
		goto out;
	}
	helper = fork();
	if (helper == 0) {
		close(sv[0]);
		run_helper(plan, cfg, init, console, sv[1]);
	}
	if (helper < 0) {
		err = errno;
		what = "fork";
	}
	/* Any later child (exit-command) is the host's again. */
	if (setns(own, CLONE_NEWPID) < 0) {
		snprintf(error, len, "%d stage-mounts %d setns", index, errno);
		if (helper > 0)
			kill(helper, SIGKILL);
		return -1;
	}
	if (helper < 0)
		goto out;
	close(sv[1]);
	sv[1] = -1;
	/* A step's failure, or EOF as the helper ends. */
	n = sync_receive(sv[0], error, len);
	waitpid(helper, &status, 0);
	if (n > 2 && error[0] == 'E' && error[1] == ' ') {
		memmove(error, error + 2, (size_t)n - 1);
		err = -1;
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err = EIO;
	}
out:
	if (pidns >= 0)
		close(pidns);
	if (own >= 0)
		close(own);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (err > 0)
		snprintf(error, len, "%d stage-mounts %d %s", index, err, what);
	return err ? -1 : 0;
}

/*
 * Init, released: a mount namespace of its own user namespace, a copy of
 * the stage in which every mount is locked. Its root is the container's
 * (the stage's, since pivot_root); setns into it puts us there even where
 * pivot_root did not move us (a chrooted runtime).
 */
int step_stage_mounts(struct init_state *st, const struct step *s)
{
	int self, rc;

	(void)s;
	if (unshare(CLONE_NEWNS) < 0)
		return fail(errno, "unshare");
	self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (self < 0)
		return fail(errno, "pidfd");
	rc = setns(self, CLONE_NEWNS);
	close(self);
	if (rc < 0)
		return fail(errno, "setns");
	set_root(st, open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
	if (st->rootfd < 0)
		return fail(errno, "/");
	return 0;
}
