/*
 * Terminal helpers shared by the console relay (console.c), an attached
 * client (attach.c) and the attach client program (client.c): raw mode and
 * back, window sizes, and the Ctrl-] escape.
 */
#ifndef TSN_TTY_H
#define TSN_TTY_H

#include <stdbool.h>
#include <termios.h>

#define ESCAPE_BYTE 0x1d	/* Ctrl-] */

/* A user's terminal we put in raw mode, and how to put it back. */
struct ttymode {
	bool raw;
	struct termios saved;
};

/* Three Ctrl-] within a second. */
struct escape {
	long long presses[3];	/* times of the last Ctrl-] presses */
};

/* Raw mode on FD if it is a terminal, remembering its mode in M. */
void tty_raw(int fd, struct ttymode *m);
/* FD back to the mode saved in M (if tty_raw changed it). */
void tty_restore(int fd, struct ttymode *m);
/* Copies FROM's window size (a user's terminal) to TO (a PTY master). */
void tty_copy_winsize(int from, int to);
/* Records one Ctrl-] press; true if it completes the escape. */
bool escape_press(struct escape *e);

#endif
