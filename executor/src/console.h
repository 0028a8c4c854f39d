/*
 * The console: a PTY whose master the supervisor keeps and whose slave
 * becomes init's controlling terminal and stdio. In the foreground the
 * supervisor relays its own stdin -> master and master -> stdout; a monitor
 * (`detach`) relays only to an attached client (attach.c) and the log. The
 * master's output goes wherever struct output says (output.c).
 *
 * The relay must survive the container hanging the terminal up (vhangup(2),
 * a getty closing and reopening /dev/console): while no slave is open the
 * master reads EIO / polls POLLHUP. Then we stop polling it and look again
 * every HUP_RETRY_MS until init exits.
 */
#ifndef TSN_CONSOLE_H
#define TSN_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "tty.h"

#define HUP_RETRY_MS 100

struct output;

struct console {
	int master;
	int slave;		/* exec: the slave, opened by the master; else -1 */
	char slave_path[64];
	bool local;		/* relay our own stdin/stdout (not a monitor) */
	struct ttymode mode;	/* our stdin's */
	bool stdin_eof;
	bool terminal_lost;	/* stdin was our raw terminal, and it hung up */
	bool hup;		/* no slave open: master not polled */
	long long hup_since;
	char pending[4096];	/* input not yet written to the master */
	size_t npending;
	bool escape_kill;
	struct escape esc;	/* our stdin's presses */
	struct output *out;	/* where the master's output goes */
};

/* Supervisor side. ROOTFD >= 0 (exec): the PTY is allocated in the
 * container's devpts, through its /dev/ptmx below ROOTFD, as runc's exec
 * does, so that the process finds its terminal by name inside; its slave
 * is opened here (c->slave) and inherited by init. Else (and for a
 * container without /dev/ptmx) the host's PTY, whose slave init opens by
 * its host path. */
int console_open(struct console *c, int rootfd);
void console_raw(struct console *c);
void console_restore(struct console *c);
void console_sync_winsize(struct console *c);
/* Milliseconds until the hung-up master is retried, or -1 when it should
 * be polled now (its retry time has come, or it is not hung up). */
int console_retry_timeout(struct console *c);
/* Reads stdin into the pending buffer; true if the escape was typed. */
bool console_read_stdin(struct console *c);
/* Appends input for the master; the caller checked there is room. */
void console_queue(struct console *c, const char *buf, size_t n);
/* Master readiness: output out, pending input in, hang-ups. */
void console_on_master(struct console *c, short revents);
/* After init exits: copy what is left on the master out. */
void console_drain(struct console *c);

/* Supervisor side, `console-socket`: sends the master to the Unix socket
 * at PATH (hand-off.c). */
int console_send_master(const struct console *c, const char *path);

/* Init side: a new session with SLAVEFD (inherited, or opened by its host
 * path before any namespace was joined, kept for `bind-console`) as its
 * controlling terminal, and as stdio. */
int console_take(int slavefd);

#endif
