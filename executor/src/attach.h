/*
 * Attaching to the console of a running container (docs/executor.md,
 * "Attaching"). The monitor listens on a Unix socket; a client (client.c)
 * connects and passes its terminal, fds 0 and 1, with SCM_RIGHTS. From
 * then on the console is relayed to that terminal as it would be to our
 * own stdin/stdout, until the client detaches (the escape), leaves (EOF on
 * the socket), is replaced by a newer client, or init ends.
 *
 * The socket carries little: the client sends `w` when its window size
 * changed; we send `detached\n`, `dropped\n` (its terminal did not keep
 * up), `denied\n` (not our uid) or `exit CODE SIGNAL\n`, then close.
 *
 * The monitor must never wait for a client: output is queued in a bounded
 * buffer and written only as far as the terminal takes it.
 */
#ifndef TSN_ATTACH_H
#define TSN_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "console.h"
#include "tty.h"

struct client {
	int sock;		/* -1: nobody attached */
	int in, out;		/* the client's terminal */
	int wfd;		/* OUT reopened (or dup'ed) to write without blocking */
	bool out_is_socket;	/* then written with MSG_DONTWAIT */
	char *buf;		/* output the terminal has not taken yet */
	size_t head, len;
	bool in_eof;
	struct ttymode mode;	/* of IN, while raw */
	struct escape esc;
	int held;		/* Ctrl-] bytes held back: maybe the escape */
};

struct attach {
	const char *path;
	int listenfd;
	int pending;		/* accepted, its fds not received yet; -1 */
	struct client client;
	struct console *con;
};

void attach_init(struct attach *a, struct console *con);
/* Before the clone: listen on PATH (0600); -1 with errno on failure. */
int attach_listen(struct attach *a, const char *path);
/* Stops listening and removes the socket file. */
void attach_close(struct attach *a);

/* Whether the client's terminal should be polled for input now. */
bool attach_wants_input(const struct attach *a);
void attach_on_listen(struct attach *a);
void attach_on_pending(struct attach *a);
void attach_on_socket(struct attach *a);
void attach_on_input(struct attach *a);
/* Whether buffered output waits for the client's terminal (poll WFD). */
bool attach_wants_output(const struct attach *a);
/* Queues output for the client and writes what its terminal takes now;
 * never blocks. A client that falls too far behind is dropped. */
void attach_output(struct attach *a, const char *buf, size_t n);
/* The client's terminal takes more output. */
void attach_on_output(struct attach *a);
/* Init ended (output drained): tell the client, close everything. */
void attach_finish(struct attach *a, int code, int sig);

#endif
