/* Descriptors exchanged with the engine that called ts-runc (engine-fds.c). */
#ifndef TSN_ENGINE_FDS_H
#define TSN_ENGINE_FDS_H

#include <stddef.h>
#include <sys/types.h>

struct config;
struct init_state;

/* Init: adds the passed descriptors to KEEP (room for cfg->passed_fds more). */
void passed_fds_keep(const struct config *cfg, int *keep, size_t *n);
/* Supervisor, after the clone: its copies of the passed descriptors closed. */
void passed_fds_close(const struct config *cfg);
/* Init, last before execve: the passed descriptors moved to 3, 4, ... */
int passed_fds_place(struct init_state *st);

/* Supervisor, before the clone: connects to the `pidfd-socket`. */
int pidfd_socket_connect(struct config *cfg);
/* Sends a pidfd of PID over SOCK (then closed) with KIND as the data;
 * 0, or -1 with errno. */
int pidfd_socket_send(int sock, pid_t pid, const char *kind);

#endif
