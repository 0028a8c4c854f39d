#include "tty.h"
#include "util.h"

#include <sys/ioctl.h>
#include <unistd.h>

#define ESCAPE_WINDOW_MS 1000

void tty_raw(int fd, struct ttymode *m)
{
	struct termios raw;

	if (!isatty(fd) || tcgetattr(fd, &m->saved) < 0)
		return;
	raw = m->saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) == 0)
		m->raw = true;
}

void tty_restore(int fd, struct ttymode *m)
{
	/* TCSANOW: a terminal that stopped reading must not make us wait
	 * for its output to drain. */
	if (m->raw)
		tcsetattr(fd, TCSANOW, &m->saved);
	m->raw = false;
}

void tty_copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

bool escape_press(struct escape *e)
{
	e->presses[0] = e->presses[1];
	e->presses[1] = e->presses[2];
	e->presses[2] = now_ms();
	return e->presses[0] && e->presses[2] - e->presses[0] <= ESCAPE_WINDOW_MS;
}
