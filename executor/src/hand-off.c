/*
 * Handing a container off to an engine (ts-runc). Engines such as
 * podman's conmon and containerd's shim are child subreapers that expect
 * the container's process to become their child once the runtime has
 * exited, and reap it themselves. With `hand-off` the supervisor leaves
 * as soon as init is created (or runs its command), so init goes up to
 * that subreaper; init is then not tied to the supervisor's life
 * (no PR_SET_PDEATHSIG).
 *
 * `console-socket PATH`: the console PTY is not relayed by us but given to
 * the engine: its master goes over the Unix socket at PATH with
 * SCM_RIGHTS (with the PTY's name as the data, as runc sends it), before
 * the clone; init takes the slave as its terminal as usual.
 */
#include "config.h"
#include "console.h"
#include "plan.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sup_hand_off(struct config *cfg, const struct step *st)
{
	(void)st;
	cfg->hand_off = true;
	return 0;
}

int sup_console_socket(struct config *cfg, const struct step *st)
{
	const char *path = st->args[0].str;

	if (!*path)
		return fail(EINVAL, "empty path");
	cfg->console = true;
	cfg->console_index = st->index;
	cfg->console_socket = path;
	return 0;
}

static int send_fd(int sock, int fd, const char *name)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = ctl.buf,
			      .msg_controllen = sizeof ctl.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	memset(ctl.buf, 0, sizeof ctl.buf);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof fd);
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int console_send_master(const struct console *con, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int sock, rc, err;

	if (strlen(path) >= sizeof sun.sun_path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	rc = connect(sock, (struct sockaddr *)&sun, sizeof sun);
	if (rc == 0)
		rc = send_fd(sock, con->master, con->slave_path);
	err = errno;
	close(sock);
	errno = err;
	return rc;
}
