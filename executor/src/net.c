/* `loopback-up`: a fresh network namespace has `lo`, but down. */
#include "plan.h"
#include "steps.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int step_loopback_up(struct init_state *st, const struct step *s)
{
	struct ifreq ifr;
	int fd, rc = 0;

	(void)st;
	(void)s;
	/* Any socket in the namespace will do for interface ioctls. */
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(errno, "lo");
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		rc = fail(errno, "lo");
	ifr.ifr_flags |= IFF_UP;
	if (rc == 0 && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		rc = fail(errno, "lo");
	close(fd);
	return rc;
}
