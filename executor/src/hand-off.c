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
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* `console-size ROWS COLS`: the PTY's window size before the process
 * starts (the spec's process.consoleSize), so that a command that asks at
 * once sees it, not the size an engine sets a moment later. */
int sup_console_size(struct config *cfg, const struct step *st)
{
	char *end;
	unsigned long rows = strtoul(st->args[0].str, &end, 10);

	if (*end || !*st->args[0].str || rows > 0xffff)
		return fail(EINVAL, st->args[0].str);
	unsigned long cols = strtoul(st->args[1].str, &end, 10);
	if (*end || !*st->args[1].str || cols > 0xffff)
		return fail(EINVAL, st->args[1].str);
	cfg->console_rows = (unsigned short)rows;
	cfg->console_cols = (unsigned short)cols;
	return 0;
}

int console_send_master(const struct console *con, const char *path)
{
	int sock = unix_connect(path), rc, err;

	if (sock < 0)
		return -1;
	/* The PTY's name as the data, as runc sends it. */
	rc = send_fds(sock, &con->master, 1, con->slave_path, strlen(con->slave_path));
	err = errno;
	close(sock);
	errno = err;
	return rc;
}
