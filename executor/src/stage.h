/* The stage: a container's mounts made from outside its user namespace,
 * so that they are locked in it (stage.c). */
#ifndef TSN_STAGE_H
#define TSN_STAGE_H

#include <stddef.h>
#include <sys/types.h>

struct config;
struct plan;

/* The supervisor's place in the host's mount namespace, to come back to. */
struct stage {
	int host_mnt, host_root, host_cwd;
};

/* Supervisor, before the clone: into a new mount namespace (the stage),
 * which init is cloned into. */
int stage_enter(struct stage *sg);

/* Supervisor, once init's maps are written: a helper in the container's
 * namespaces runs the staged steps, creating files as the container's
 * root (CFG's maps); CONSOLE: the PTY slave's path, or NULL. On failure ERROR holds what init
 * would have reported ("INDEX OPCODE ERRNO DETAIL"). */
int stage_run(struct plan *plan, const struct config *cfg, pid_t init,
	      const char *console, char *error, size_t len);

/* Supervisor: back to the host's mount namespace, root and directory. */
int stage_leave(struct stage *sg);

#endif
