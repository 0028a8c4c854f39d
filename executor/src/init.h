#ifndef TSN_INIT_H
#define TSN_INIT_H

#include <sys/types.h>

struct config;
struct plan;

/* Runs in the cloned child: waits for release, walks the init steps, execs.
 * PARENT is what getppid() must return (0 when init's PID namespace is not
 * the supervisor's). STDIO: fds init takes as its 0/1/2 (-1: keep its own). */
void init_main(const struct config *cfg, const struct plan *plan, int syncfd,
	       int slavefd, const char *slave_path, pid_t parent, const int stdio[3])
	__attribute__((noreturn));

#endif
