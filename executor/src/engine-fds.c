/*
 * Descriptors exchanged with the engine that called ts-runc.
 *
 * `preserve-fds COUNT` (runc's --preserve-fds): the COUNT descriptors
 * TypeScript gave us right after the control channel (4, 5, ...) become
 * the command's 3, 4, ... . Init keeps them through its steps (they are
 * the caller's, handed over on purpose, like stdio) and puts them in place
 * as the last thing before execve, when every other descriptor is already
 * close-on-exec. The supervisor drops its own copies once init has them.
 *
 * `pidfd-socket PATH` (runc 1.2's --pidfd-socket): a pidfd of the process
 * goes over the Unix socket at PATH with SCM_RIGHTS, as soon as we know the
 * process (for exec: the one the helper forked) and before it is released.
 * The socket is connected before the clone, so an engine that is not
 * listening fails the step with nothing created.
 */
#include "engine-fds.h"
#include "config.h"
#include "plan.h"
#include "protocol.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The caller's descriptors start right after the control channel. */
#define FIRST_PASSED_FD (CTL_FD + 1)
/* Far beyond what an engine passes: a larger count is a mistake. */
#define MAX_PASSED_FDS 65536

int sup_preserve_fds(struct config *cfg, const struct step *st)
{
	uint64_t count;

	if (parse_u64(st->args[0].str, 10, MAX_PASSED_FDS, &count) < 0)
		return fail(EINVAL, st->args[0].str);
	/* Checked now, before anything is cloned: each must be there. */
	for (uint64_t i = 0; i < count; i++) {
		if (fcntl(FIRST_PASSED_FD + (int)i, F_GETFD) < 0) {
			char detail[32];

			snprintf(detail, sizeof detail, "fd %d", FIRST_PASSED_FD + (int)i);
			return fail(errno, detail);
		}
	}
	cfg->passed_fds = (int)count;
	return 0;
}

void passed_fds_keep(const struct config *cfg, int *keep, size_t *n)
{
	for (int i = 0; i < cfg->passed_fds; i++)
		keep[(*n)++] = FIRST_PASSED_FD + i;
}

void passed_fds_close(const struct config *cfg)
{
	if (cfg->passed_fds > 0)
		close_range(FIRST_PASSED_FD, FIRST_PASSED_FD + cfg->passed_fds - 1, 0);
}

/*
 * Puts the passed descriptors at 3, 4, ...: first copied above that whole
 * range, so that no dup2 overwrites one still to be moved (init's own
 * descriptors may sit anywhere from 3 on), then into place (dup2 leaves the
 * result without close-on-exec; the copies are closed). The sync socket,
 * which exec still reports on, is moved out of the range first.
 */
int passed_fds_place(struct init_state *st)
{
	int n = st->passed_fds, *copies;

	if (n == 0)
		return 0;
	copies = malloc((size_t)n * sizeof *copies);
	if (!copies)
		return fail(ENOMEM, "preserve-fds");
	if (st->syncfd < 3 + n) {
		int fd = fcntl(st->syncfd, F_DUPFD_CLOEXEC, 3 + n);

		if (fd < 0) {
			free(copies);
			return fail(errno, "sync");
		}
		close(st->syncfd);
		st->syncfd = fd;
	}
	for (int i = 0; i < n; i++) {
		copies[i] = fcntl(FIRST_PASSED_FD + i, F_DUPFD_CLOEXEC, 3 + n);
		if (copies[i] < 0) {
			int err = errno;

			while (i-- > 0)
				close(copies[i]);
			free(copies);
			return fail(err, "preserve-fds");
		}
	}
	for (int i = 0; i < n; i++) {
		int err = dup2(copies[i], 3 + i) < 0 ? errno : 0;

		close(copies[i]);
		if (err) {
			while (++i < n)
				close(copies[i]);
			free(copies);
			return fail(err, "preserve-fds");
		}
	}
	free(copies);
	return 0;
}

int sup_pidfd_socket(struct config *cfg, const struct step *st)
{
	const char *path = st->args[0].str;

	if (!*path)
		return fail(EINVAL, "empty path");
	cfg->pidfd_socket = path;
	cfg->pidfd_socket_index = st->index;
	return 0;
}

int pidfd_socket_connect(struct config *cfg)
{
	cfg->pidfd_socket_fd = unix_connect(cfg->pidfd_socket);
	return cfg->pidfd_socket_fd < 0 ? -1 : 0;
}

int pidfd_socket_send(int sock, pid_t pid, const char *kind)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), rc = -1, err;

	/* What runc sends as the data: which kind of process it is. */
	if (pidfd >= 0)
		rc = send_fds(sock, &pidfd, 1, kind, strlen(kind));
	err = errno;
	if (pidfd >= 0)
		close(pidfd);
	close(sock);
	errno = err;
	return rc;
}
