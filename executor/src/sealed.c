/*
 * /proc/PID/exe of a process running the executor is the executor's own
 * binary. A process in the container that can see such a process could
 * open that link and, once the binary no longer runs, write to it: the
 * host's executor, which root runs next (the CVE-2019-5736 class). Init is
 * non-dumpable until it execs, which already keeps out a container without
 * CAP_SYS_PTRACE, but not a booted one.
 *
 * So when the container can see us -- `exec`, whose process is born inside
 * its PID namespace, or a container without a new PID namespace of its
 * own -- the supervisor first re-executes itself from a copy in a memfd,
 * sealed against writing, growing and shrinking. Everything it forks runs
 * that copy; it disappears with the last of them.
 *
 * A container with a new PID namespace does not need it: nothing else is
 * in that namespace until init execs the command, and from then on init's
 * exe is the command's binary. That is every `run` and `boot`, which keeps
 * the copy (docs/executor.md has its cost) off their start.
 */
#include "sealed.h"
#include "config.h"
#include "plan.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

extern char **environ;

bool needs_sealed_copy(const struct config *cfg)
{
	return cfg->join_pidns || !(cfg->ns_flags & CLONE_NEWPID);
}

/* A memfd that the kernel allows to be executed (vm.memfd_noexec). */
static int exec_memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	if (fd < 0 && errno == EINVAL)	/* before Linux 6.3: exec is the default */
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd;
}

static int copy_self(void)
{
	const int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int fd = self < 0 ? -1 : exec_memfd("ts-nspawn-executor");
	struct stat sb;
	off_t left;

	if (fd < 0 || fstat(self, &sb) < 0)
		goto fail;
	for (left = sb.st_size; left > 0;) {
		ssize_t n = sendfile(fd, self, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		left -= n;
	}
	if (fcntl(fd, F_ADD_SEALS, seals) < 0)
		goto fail;
	close(self);
	return fd;
fail:
	if (self >= 0)
		close(self);
	if (fd >= 0)
		close(fd);
	return -1;
}

static int put(int fd, const char *token)
{
	return write_all(fd, token, strlen(token) + 1);
}

/* The plan again, in its wire format, with what followed `end`. */
static int write_plan(int fd, const struct plan *plan)
{
	int rc = put(fd, PLAN_MAGIC);

	for (size_t i = 0; i < plan->nsteps; i++) {
		const struct step *s = &plan->steps[i];

		rc |= put(fd, s->op->name);
		for (int a = 0; a < s->op->nargs; a++) {
			rc |= put(fd, s->args[a].str);
			if (s->op->lists & (1u << a))
				for (size_t j = 0; j < s->args[a].count; j++)
					rc |= put(fd, s->args[a].items[j]);
		}
	}
	rc |= put(fd, "end");
	rc |= write_all(fd, plan->leftover, plan->nleftover);
	return rc < 0 || lseek(fd, 0, SEEK_SET) < 0 ? -1 : 0;
}

int sealed_reexec(const struct plan *plan)
{
	int exe = copy_self(), planfd = -1;
	char num[16];

	if (exe < 0)
		return -1;
	/* Not close-on-exec: the copy reads it. */
	planfd = memfd_create("ts-nspawn-plan", 0);
	if (planfd < 0 || write_plan(planfd, plan) < 0)
		return -1;
	snprintf(num, sizeof num, "%d", planfd);
	char *argv[] = { "ts-nspawn-executor", "--plan-fd", num, NULL };
	fexecve(exe, argv, environ);
	return -1;
}
