/*
 * Credentials. Order matters: the bounding set is trimmed while we still
 * have CAP_SETPCAP; PR_SET_KEEPCAPS keeps the permitted set across the uid
 * change; then capset(2) installs exactly the requested sets and the
 * ambient set is raised (it needs the caps permitted and inheritable).
 */
#include "plan.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * Capabilities we may ask for: known to the kernel and still in our bounding
 * set (some hosts' lack CAP_SYS_RESOURCE, for one). PR_CAPBSET_READ answers
 * both at once -- EINVAL above the kernel's cap_last_cap -- and, unlike
 * /proc/sys/kernel/cap_last_cap, it works after pivot-root without /proc.
 */
static uint64_t available_caps(void)
{
	uint64_t avail = 0;

	for (int cap = 0; cap < 64; cap++) {
		int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (r < 0)
			break;
		if (r == 1)
			avail |= 1ULL << cap;
	}
	return avail;
}

static int drop_bounding(uint64_t avail, uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++)
		if ((avail & (1ULL << cap)) && !(keep & (1ULL << cap)) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return fail(errno, "bounding");
	return 0;
}

static bool setgroups_denied(void)
{
	char buf[8] = "";
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (read(fd, buf, sizeof buf - 1) < 0)
		buf[0] = 0;
	close(fd);
	return strncmp(buf, "deny", 4) == 0;
}

static int set_ids(const struct arg *groups, uid_t uid, gid_t gid)
{
	gid_t *list = calloc(groups->count + 1, sizeof *list);
	uint64_t g;
	int rc, err;

	if (!list)
		return fail(ENOMEM, "groups");
	for (size_t i = 0; i < groups->count; i++) {
		if (parse_u64(groups->items[i], 10, UINT32_MAX - 1, &g) < 0) {
			free(list);
			return fail(EINVAL, groups->items[i]);
		}
		list[i] = (gid_t)g;
	}
	rc = setgroups(groups->count, list);
	err = errno;
	/* A user namespace whose gid map its unprivileged maker wrote itself
	 * denies setgroups(2): its processes keep the groups they came with
	 * (the user's own; unmapped, they show as the overflow gid). Nothing
	 * to drop then, and nothing else can be set. */
	if (rc < 0 && err == EPERM && groups->count == 0 && setgroups_denied())
		rc = 0;
	free(list);
	if (rc < 0)
		return fail(err, "groups");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail(errno, "keepcaps");
	if (setresgid(gid, gid, gid) < 0)
		return fail(errno, "gid");
	if (setresuid(uid, uid, uid) < 0)
		return fail(errno, "uid");
	return 0;
}

/* glibc has no capset wrapper; libcap is not worth a dependency for this. */
static int set_caps(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {
		{ (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(perm >> 32),
		  (uint32_t)(inh >> 32) },
	};

	if (syscall(SYS_capset, &hdr, data) < 0)
		return fail(errno, "capabilities");
	return 0;
}

static int set_ambient(uint64_t amb)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return fail(errno, "ambient");
	for (int cap = 0; cap < 64; cap++)
		if ((amb & (1ULL << cap)) &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return fail(errno, "ambient");
	return 0;
}

/* The kernel clears PR_SET_PDEATHSIG when the uid or gid changes, and init
 * must still die with the supervisor (a monitor's SIGKILL included). */
static int rearm_pdeathsig(const struct init_state *st)
{
	if (st->hand_off)
		return 0;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return fail(errno, "pdeathsig");
	/* It may have died while the signal was not armed. */
	if (getppid() != st->parent)
		return fail(ESRCH, "supervisor");
	return 0;
}

int step_credentials(struct init_state *st, const struct step *s)
{
	uint64_t uid, gid, mask[5];
	uint64_t avail = available_caps();

	if (parse_u64(s->args[0].str, 10, UINT32_MAX - 1, &uid) < 0)
		return fail(EINVAL, s->args[0].str);
	if (parse_u64(s->args[1].str, 10, UINT32_MAX - 1, &gid) < 0)
		return fail(EINVAL, s->args[1].str);
	/* BOUNDING EFFECTIVE PERMITTED INHERITABLE AMBIENT */
	for (int i = 0; i < 5; i++) {
		if (parse_u64(s->args[3 + i].str, 16, UINT64_MAX, &mask[i]) < 0)
			return fail(EINVAL, s->args[3 + i].str);
		mask[i] &= avail;
	}
	if (drop_bounding(avail, mask[0]) < 0 ||
	    set_ids(&s->args[2], (uid_t)uid, (gid_t)gid) < 0 ||
	    set_caps(mask[1], mask[2], mask[3]) < 0 || set_ambient(mask[4]) < 0)
		return -1;
	return rearm_pdeathsig(st);
}

int step_no_new_privileges(struct init_state *st, const struct step *s)
{
	(void)st;
	(void)s;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail(errno, "no-new-privileges");
	return 0;
}
