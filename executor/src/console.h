/*
 * The console: a PTY whose master the supervisor keeps and whose slave
 * becomes init's controlling terminal and stdio. The supervisor relays
 * stdin -> master and master -> stdout.
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
#include <termios.h>

#define HUP_RETRY_MS 100

struct console {
	int master;
	char slave_path[64];
	bool raw;		/* stdin was put in raw mode: restore it */
	struct termios saved;
	bool stdin_eof;
	bool stdout_dead;	/* writes failed: keep draining, discard */
	bool hup;		/* no slave open: master not polled */
	long long hup_since;
	char pending[4096];	/* stdin bytes not yet written to the master */
	size_t npending;
	bool escape_kill;
	long long presses[3];	/* times of the last Ctrl-] presses */
};

/* Supervisor side. */
int console_open(struct console *c);
void console_raw(struct console *c);
void console_restore(struct console *c);
void console_sync_winsize(struct console *c);
/* Milliseconds until the hung-up master is retried, or -1 when it should
 * be polled now (its retry time has come, or it is not hung up). */
int console_retry_timeout(struct console *c);
/* Reads stdin into the pending buffer; true if the escape was typed. */
bool console_read_stdin(struct console *c);
/* Master readiness: output to stdout, pending input in, hang-ups. */
void console_on_master(struct console *c, short revents);
/* After init exits: copy what is left on the master to stdout. */
void console_drain(struct console *c);

/* Init side: new session, slave as controlling tty and stdio. Returns the
 * slave fd (kept for `bind-console`) or -1. */
int console_attach(const char *slave_path);

#endif
