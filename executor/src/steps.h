/* Init's state while it walks its steps, and the step functions. */
#ifndef TSN_STEPS_H
#define TSN_STEPS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct plan;
struct step;

struct init_state {
	int rootfd;		/* O_PATH: where *inside* paths resolve */
	int slavefd;		/* console PTY slave, -1 without a console */
	int syncfd;		/* internal socket to the supervisor */
	char **envp;		/* from `env`; NULL means an empty environment */
	const char *search_path;	/* from `search-path`: where exec looks */
	mode_t umask;		/* the caller's, restored just before exec */
	pid_t parent;		/* what getppid() returns while the supervisor lives */
	const struct plan *plan;	/* the whole plan, for steps that look ahead */
	bool hand_off;		/* not tied to the supervisor's life */
	void *seccomp;		/* a compiled filter (struct sock_fprog) waiting for exec (seccomp.c) */
	const char *exec_path;	/* from `exec-path`: the file exec runs */
	int passed_fds;		/* `preserve-fds`: how many become 3, 4, ... */
};

/* init.c */
int step_setsid(struct init_state *st, const struct step *s);
int step_unshare(struct init_state *st, const struct step *s);
int step_hostname(struct init_state *st, const struct step *s);
/* cgroup-join.c */
int prepare_join_cgroup(struct step *s);
int step_join_cgroup(struct init_state *st, const struct step *s);
/* join.c */
int prepare_join(struct step *s);
int step_join(struct init_state *st, const struct step *s);
/* settings.c */
int prepare_join_ns(struct step *s);
int step_join_ns(struct init_state *st, const struct step *s);
int step_rlimit(struct init_state *st, const struct step *s);
int step_umask(struct init_state *st, const struct step *s);
int step_sysctl(struct init_state *st, const struct step *s);
/* net.c */
int step_loopback_up(struct init_state *st, const struct step *s);
/* mounts.c */
int step_propagation(struct init_state *st, const struct step *s);
/* Init, at its start: the targets of enter-root(-idmapped); of the staged
 * steps or the others. */
int open_root_targets(const struct plan *plan, bool staged);
int step_enter_root(struct init_state *st, const struct step *s);
/* Attaches the detached mount TREE on TARGET and makes it the root. */
int attach_root(struct init_state *st, int tree, int target, const char *path);
int step_mount(struct init_state *st, const struct step *s);
int step_bind_console(struct init_state *st, const struct step *s);
int step_pivot_root(struct init_state *st, const struct step *s);
int step_mask(struct init_state *st, const struct step *s);
int step_readonly(struct init_state *st, const struct step *s);
int step_chdir(struct init_state *st, const struct step *s);
/* copy-up.c */
int step_mount_copy_up(struct init_state *st, const struct step *s);
/* Replaces the root fd that inside paths resolve in. */
void set_root(struct init_state *st, int fd);
/* devices.c */
int step_mknod(struct init_state *st, const struct step *s);
int step_symlink(struct init_state *st, const struct step *s);
/* creds.c */
int step_no_new_privileges(struct init_state *st, const struct step *s);
int step_credentials(struct init_state *st, const struct step *s);
/* seccomp.c */
int step_seccomp(struct init_state *st, const struct step *s);
/* Loads a filter `seccomp` left for the last moment; 0 if there is none. */
int seccomp_load_deferred(struct init_state *st);
/* Supervisor, before the clone: a pipe for the step's compiled filter. */
int prepare_seccomp(struct step *s);
/* Supervisor, once init runs: compiles the filters and sends them to init. */
void seccomp_compile_for_init(void);
/* exec.c */
int step_env(struct init_state *st, const struct step *s);
int step_exec(struct init_state *st, const struct step *s);
int step_search_path(struct init_state *st, const struct step *s);
/* Where exec finds NAME in SEARCH (see exec.c): 0 and PATH, or the errno. */
int command_lookup(const char *name, const char *search, char path[PATH_MAX]);
/* userns.c */
int step_enter_root_idmapped(struct init_state *st, const struct step *s);
/* stage.c */
int step_stage_mounts(struct init_state *st, const struct step *s);
/* start-barrier.c */
int prepare_wait_start(struct step *s);
int step_wait_start(struct init_state *st, const struct step *s);
/* hook-point.c */
int step_wait_hooks(struct init_state *st, const struct step *s);
int step_exec_path(struct init_state *st, const struct step *s);
/* attributes.c */
int step_domainname(struct init_state *st, const struct step *s);
int step_oom_score_adj(struct init_state *st, const struct step *s);
int step_io_priority(struct init_state *st, const struct step *s);
int step_scheduler(struct init_state *st, const struct step *s);
int step_personality(struct init_state *st, const struct step *s);
int step_cpu_affinity(struct init_state *st, const struct step *s);
int step_exec_label(struct init_state *st, const struct step *s);

#endif
