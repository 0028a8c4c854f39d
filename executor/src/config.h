/* Supervisor configuration: the result of the supervisor steps. */
#ifndef TSN_CONFIG_H
#define TSN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct step;

#define MAX_FORWARDS 64

struct forward {
	int from, to;
};

struct config {
	unsigned long ns_flags;	/* CLONE_NEW* for clone(2) */
	int ns_index;		/* step index of `namespaces`, -1 if none */
	bool console;
	int console_index;
	bool escape_kill;
	struct forward forwards[MAX_FORWARDS];
	int nforwards;
	bool wait_go;
	bool detach;		/* a monitor: outlives the control channel */
	const char *log_path;	/* NULL without `log` */
	uint64_t log_max;	/* bytes before rotation, 0: never rotate */
	int log_index;
	const char *attach_path;	/* NULL without `attach-socket` */
	int attach_index;
	const char *exit_file;	/* NULL without `exit-file` */
	char **exit_argv;	/* NULL without `exit-command` */
	pid_t join_pidns;	/* 0 without `join-pidns` */
	int join_pidns_fd;	/* its pidfd, opened before the clone */
	int join_pidns_index;
	bool joined_pidns;	/* `join-ns pid PATH`: joined while reading the plan */
	bool hand_off;		/* leave once init is created or runs (hand-off.c) */
	const char *console_socket;	/* the PTY master goes there, NULL: relay it */
	int cgroup_fd;		/* -1 without `clone-into-cgroup` */
	char time_offsets[160];	/* `time-namespace`: what timens_offsets gets; "" without */
	int time_index;
	int time_ns_fd;		/* the time namespace we were in, -1 */
	int cgroup_index;
	/* `user-map`: init's ID maps, written from outside after the clone */
	char **uid_map, **gid_map;	/* "INSIDE OUTSIDE COUNT"; NULL without it */
	size_t uid_count, gid_count;
	bool setgroups_deny;
	int user_map_index;
	/* `join-ns user PATH`: init is made by a helper that joins it first */
	int join_userns_fd;	/* -1 without it */
	int join_userns_index;
	/* `user-map-writer` (rootless): the maps are written unprivileged,
	 * by these helpers' argv (NULL: by the supervisor itself) */
	bool maps_unprivileged;
	char **uid_helper, **gid_helper;
	size_t uid_helper_count, gid_helper_count;
	unsigned short console_rows, console_cols;	/* `console-size`; 0: none given */
	/* `preserve-fds`: the caller's descriptors after fd 3 that the
	 * command gets as 3, 4, ... (engine-fds.c) */
	int passed_fds;
	/* `pidfd-socket`: where a pidfd of the process goes, NULL without */
	const char *pidfd_socket;
	int pidfd_socket_index;
	int pidfd_socket_fd;	/* connected before the clone, -1 */
};

/* "mount,pid,..." -> CLONE_NEW* flags; also used by init's `unshare`. */
int parse_namespaces(const char *list, unsigned long *flags);

/* The signal TO that FROM is forwarded as, or 0 if it is not forwarded. */
int forward_target(const struct config *cfg, int from);

int sup_namespaces(struct config *cfg, const struct step *st);
int sup_console(struct config *cfg, const struct step *st);
int sup_escape(struct config *cfg, const struct step *st);
int sup_forward_signal(struct config *cfg, const struct step *st);
int sup_wait_go(struct config *cfg, const struct step *st);
int sup_detach(struct config *cfg, const struct step *st);
int sup_log(struct config *cfg, const struct step *st);
int sup_attach_socket(struct config *cfg, const struct step *st);
int sup_exit_file(struct config *cfg, const struct step *st);
int sup_exit_command(struct config *cfg, const struct step *st);
int sup_join_pidns(struct config *cfg, const struct step *st);
int sup_clone_into_cgroup(struct config *cfg, const struct step *st);
/* device-filter.c */
int sup_device_filter(struct config *cfg, const struct step *st);
int sup_join_ns(struct config *cfg, const struct step *st);	/* settings.c */
/* hand-off.c */
int sup_hand_off(struct config *cfg, const struct step *st);
int sup_console_socket(struct config *cfg, const struct step *st);
/* userns.c */
int sup_user_map(struct config *cfg, const struct step *st);
int sup_console_size(struct config *cfg, const struct step *st);
/* attributes.c */
int sup_initial_cpu_affinity(struct config *cfg, const struct step *st);
int sup_time_namespace(struct config *cfg, const struct step *st);
/* Makes the new time namespace of `time-namespace` for init, before the clone. */
int time_namespace_set_up(struct config *cfg);
/* map-writer.c */
int sup_user_map_writer(struct config *cfg, const struct step *st);
/* engine-fds.c */
int sup_preserve_fds(struct config *cfg, const struct step *st);
int sup_pidfd_socket(struct config *cfg, const struct step *st);

/* A PID argument: decimal, > 0. */
int parse_pid(const char *s, pid_t *pid);

#endif
