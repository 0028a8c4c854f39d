/* User namespaces: maps written from outside, idmapped trees (userns.c). */
#ifndef TSN_USERNS_H
#define TSN_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

struct config;
struct plan;
struct step;

/* Supervisor, at sync point "maps" (after the clone, before the release):
 * writes init's ID maps, gives the CONSOLE (a PTY slave's path, or NULL)
 * to the container's root and sends init the idmapped trees of its steps.
 * On failure INDEX/OPCODE name the step. */
int userns_set_up(const struct config *cfg, const struct plan *plan,
		  pid_t init, int syncfd, const char *console,
		  int *index, const char **opcode);

/* The host IDs of the container's root; -1 if its maps have no 0. */
int userns_root_ids(const struct config *cfg, uid_t *uid, gid_t *gid);

/* Init, before its release: the trees, in plan order, as the steps' fds. */
int userns_receive_trees(const struct plan *plan, int syncfd, int *index,
			 const char **opcode);

/* The stage's helper (stage.c): the idmapped trees of the staged steps,
 * as their fds, made in the stage's mount namespace. */
int userns_make_staged_trees(struct plan *plan, pid_t init, int *index,
			     const char **opcode);

/* Init, once mapped: become the namespace's root. */
int userns_become_root(const struct config *cfg);

/* Init, as the helper of `join-ns user`: joins it and clones the real
 * init into the new namespaces (the helper exits; see userns.c). */
struct init_state;
int enter_user_namespace(struct init_state *st, const struct config *cfg);

/* mounts.c: whether a `mount` step carries `idmap`/`ridmap`. */
bool mount_is_idmapped(const struct step *s, bool *recursive);

/* map-writer.c: runs HELPER... PID followed by each extent's three numbers. */
int run_map_helper(char **helper, size_t nhelper, pid_t pid, char **items,
		   size_t count);

#endif
