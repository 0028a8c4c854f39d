/*
 * Plan parser. Tokens are NUL-terminated strings; each step is an opcode
 * followed by a fixed number of arguments, a list argument being a decimal
 * count and that many tokens. The parser pulls tokens one at a time so it
 * knows an `end` opcode from an argument that happens to read "end", and
 * keeps whatever follows `end` for the control-message reader.
 */
#include "plan.h"
#include "config.h"
#include "protocol.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LIST 65536
#define MAX_STEPS 65536

#define LIST(i) (1u << (i))

static const struct opdef opdefs[] = {
	/* supervisor steps: applied while parsing, before the clone */
	{ "namespaces", 1, 0, sup_namespaces, NULL, NULL },
	{ "console", 0, 0, sup_console, NULL, NULL },
	{ "escape", 1, 0, sup_escape, NULL, NULL },
	{ "forward-signal", 2, 0, sup_forward_signal, NULL, NULL },
	{ "wait-go", 0, 0, sup_wait_go, NULL, NULL },
	{ "detach", 0, 0, sup_detach, NULL, NULL },
	{ "log", 2, 0, sup_log, NULL, NULL },
	{ "attach-socket", 1, 0, sup_attach_socket, NULL, NULL },
	{ "exit-file", 1, 0, sup_exit_file, NULL, NULL },
	{ "exit-command", 1, LIST(0), sup_exit_command, NULL, NULL },
	{ "join-pidns", 1, 0, sup_join_pidns, NULL, NULL },
	{ "clone-into-cgroup", 1, 0, sup_clone_into_cgroup, NULL, NULL },
	{ "device-filter", 2, LIST(1), sup_device_filter, NULL, NULL },
	{ "hand-off", 0, 0, sup_hand_off, NULL, NULL },
	{ "console-socket", 1, 0, sup_console_socket, NULL, NULL },
	/* init steps: run in order by init after the clone */
	{ "setsid", 0, 0, NULL, step_setsid, NULL },
	{ "join", 2, 0, NULL, step_join, prepare_join },
	{ "join-ns", 2, 0, sup_join_ns, step_join_ns, prepare_join_ns },
	{ "unshare", 1, 0, NULL, step_unshare, NULL },
	{ "hostname", 1, 0, NULL, step_hostname, NULL },
	{ "loopback-up", 0, 0, NULL, step_loopback_up, NULL },
	{ "propagation", 1, 0, NULL, step_propagation, NULL },
	{ "enter-root", 1, 0, NULL, step_enter_root, NULL },
	{ "mount", 6, 0, NULL, step_mount, NULL },
	{ "mknod", 7, 0, NULL, step_mknod, NULL },
	{ "symlink", 2, 0, NULL, step_symlink, NULL },
	{ "bind-console", 1, 0, NULL, step_bind_console, NULL },
	{ "pivot-root", 0, 0, NULL, step_pivot_root, NULL },
	{ "sysctl", 2, 0, NULL, step_sysctl, NULL },
	{ "mask", 1, 0, NULL, step_mask, NULL },
	{ "readonly", 1, 0, NULL, step_readonly, NULL },
	{ "chdir", 1, 0, NULL, step_chdir, NULL },
	{ "no-new-privileges", 0, 0, NULL, step_no_new_privileges, NULL },
	{ "rlimit", 3, 0, NULL, step_rlimit, NULL },
	{ "umask", 1, 0, NULL, step_umask, NULL },
	{ "seccomp", 3, LIST(1) | LIST(2), NULL, step_seccomp, prepare_seccomp },
	{ "credentials", 8, LIST(2), NULL, step_credentials, NULL },
	{ "env", 1, LIST(0), NULL, step_env, NULL },
	{ "search-path", 1, 0, NULL, step_search_path, NULL },
	{ "wait-start", 1, 0, NULL, step_wait_start, prepare_wait_start },
	{ "exec", 1, LIST(0), NULL, step_exec, NULL },
	{ "user-map", 3, LIST(0) | LIST(1), sup_user_map, NULL, NULL },
	{ "enter-root-idmapped", 1, 0, NULL, step_enter_root_idmapped, NULL },
	{ "mount-copy-up", 6, 0, NULL, step_mount_copy_up, NULL },
	{ "console-size", 2, 0, sup_console_size, NULL, NULL },
	{ "wait-hooks", 1, 0, NULL, step_wait_hooks, NULL },
	{ "exec-path", 1, 0, NULL, step_exec_path, NULL },
	{ "domainname", 1, 0, NULL, step_domainname, NULL },
	{ "oom-score-adj", 1, 0, NULL, step_oom_score_adj, NULL },
	{ "io-priority", 2, 0, NULL, step_io_priority, NULL },
	{ "scheduler", 7, 0, NULL, step_scheduler, NULL },
	{ "personality", 1, 0, NULL, step_personality, NULL },
	{ "cpu-affinity", 1, 0, NULL, step_cpu_affinity, NULL },
	{ "initial-cpu-affinity", 1, 0, sup_initial_cpu_affinity, NULL, NULL },
	{ "time-namespace", 4, 0, sup_time_namespace, NULL, NULL },
	{ "exec-label", 2, 0, NULL, step_exec_label, NULL },
	{ "user-map-writer", 2, LIST(0) | LIST(1), sup_user_map_writer, NULL, NULL },
	{ "preserve-fds", 1, 0, sup_preserve_fds, NULL, NULL },
	{ "pidfd-socket", 1, 0, sup_pidfd_socket, NULL, NULL },
	{ "join-cgroup", 1, 0, NULL, step_join_cgroup, prepare_join_cgroup },
	/* the steps between them are the stage's (stage.c) */
	{ "stage-mounts", 0, 0, NULL, step_stage_mounts, NULL },
	{ "stage-end", 0, 0, NULL, NULL, NULL },
};

/* One token must fit: up to MAX_ARG_STRLEN (128 KiB with its NUL), the
 * kernel's limit for one argument or environment entry. */
#define MAX_TOKEN (128 * 1024)

struct reader {
	int fd;
	char buf[MAX_TOKEN + 4096];
	size_t start, end;
	const char *opcode;	/* the step being read, for error messages */
};

static void __attribute__((noreturn)) plan_error(const char *what,
						 const char *name)
{
	ctl_send("error -1 plan 0 %s%s%s", what, name ? ": " : "",
		 name ? name : "");
	exit(125);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		plan_error("out of memory", NULL);
	return p;
}

/* Returns the next token (a private copy), reading more when needed. */
static char *next_token(struct reader *r)
{
	for (;;) {
		char *start = r->buf + r->start;
		char *nul = memchr(start, '\0', r->end - r->start);
		ssize_t n;

		if (nul) {
			char *tok = strdup(start);
			if (!tok)
				plan_error("out of memory", NULL);
			r->start = (size_t)(nul - r->buf) + 1;
			return tok;
		}
		memmove(r->buf, start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
		if (r->end == sizeof r->buf)
			plan_error("token too long (over 128 KiB) in step",
				   r->opcode ? r->opcode : "magic");
		n = read(r->fd, r->buf + r->end, sizeof r->buf - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			plan_error("unexpected end of plan", NULL);
		r->end += (size_t)n;
	}
}

static const struct opdef *opdef_find(const char *name)
{
	for (size_t i = 0; i < sizeof opdefs / sizeof opdefs[0]; i++)
		if (!strcmp(opdefs[i].name, name))
			return &opdefs[i];
	return NULL;
}

static void read_arg(struct reader *r, struct arg *a, bool list)
{
	uint64_t n;

	a->str = next_token(r);
	if (!list)
		return;
	if (parse_u64(a->str, 10, MAX_LIST, &n) < 0)
		plan_error("bad list count", a->str);
	a->count = n;
	a->items = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		a->items[i] = next_token(r);
}

static struct step *add_step(struct plan *plan)
{
	static size_t cap;

	if (plan->nsteps == MAX_STEPS)
		plan_error("too many steps", NULL);
	if (plan->nsteps == cap) {
		cap = cap ? cap * 2 : 64;
		plan->steps = realloc(plan->steps, cap * sizeof *plan->steps);
		if (!plan->steps)
			plan_error("out of memory", NULL);
	}
	memset(&plan->steps[plan->nsteps], 0, sizeof plan->steps[0]);
	plan->steps[plan->nsteps].fd = plan->steps[plan->nsteps].rootfd = -1;
	return &plan->steps[plan->nsteps++];
}

/* Supervisor steps take effect now; a bad one is reported by its index. */
static void apply_supervisor_step(struct config *cfg, const struct step *st)
{
	if (st->op->supervisor(cfg, st) == 0)
		return;
	ctl_send("error %d %s %d %s", st->index, st->op->name, failure.err,
		 failure.detail ? failure.detail : "");
	exit(125);
}

/* What init will need from the supervisor; a failure is reported like a
 * supervisor step's. */
static void prepare_step(struct step *st)
{
	if (st->op->prepare(st) == 0)
		return;
	ctl_send("error %d %s %d %s", st->index, st->op->name, failure.err,
		 failure.detail ? failure.detail : "");
	exit(125);
}

/* Init must end by exec'ing a command: anything after it could never run.
 * A stage (stage.c) is the host's to set up, in a mount namespace init
 * shares: so init is cloned without one, into a user namespace of its own. */
static void validate(const struct plan *plan, const struct config *cfg,
		     bool stage_open)
{
	const struct step *last = NULL;

	if (stage_open)
		plan_error("stage-mounts without stage-end", NULL);
	if (plan->staged && (!cfg->uid_map || cfg->maps_unprivileged ||
			     (cfg->ns_flags & CLONE_NEWNS) ||
			     cfg->join_userns_fd >= 0))
		plan_error("stage-mounts needs a user namespace mapped by a privileged supervisor and no new mount namespace at the clone", NULL);

	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].op->init)
			last = &plan->steps[i];
	if (!last || strcmp(last->op->name, "exec") != 0)
		plan_error("the last init step must be exec", NULL);
	if (last->args[0].count == 0)
		plan_error("exec needs a command", NULL);
}

void plan_read(int fd, struct config *cfg, struct plan *plan)
{
	static struct reader r;
	bool in_stage = false;
	char *magic;

	r.fd = fd;
	magic = next_token(&r);
	if (strcmp(magic, PLAN_MAGIC) != 0)
		plan_error("bad magic", magic);
	for (int index = 0;; index++) {
		char *name = next_token(&r);
		const struct opdef *op;
		struct step *st;

		if (!strcmp(name, "end"))
			break;
		op = opdef_find(name);
		if (!op)
			plan_error("unknown opcode", name);
		st = add_step(plan);
		st->op = op;
		r.opcode = op->name;
		st->index = index;
		if (op->init == step_stage_mounts) {
			if (in_stage || plan->staged)
				plan_error("a second stage-mounts", NULL);
			plan->staged = in_stage = true;
			plan->stage_at = plan->nsteps - 1;
		} else if (!strcmp(op->name, "stage-end")) {
			if (!in_stage)
				plan_error("stage-end without stage-mounts", NULL);
			in_stage = false;
		} else if (in_stage) {
			/* The helper runs as host root and never execs or waits. */
			if (!op->init || op->prepare || op->init == step_exec ||
			    op->init == step_wait_hooks)
				plan_error("not a step the stage can run", op->name);
			st->staged = true;
		}
		for (int a = 0; a < op->nargs; a++)
			read_arg(&r, &st->args[a], op->lists & LIST(a));
		if (op->supervisor)
			apply_supervisor_step(cfg, st);
	}
	r.opcode = "end";
	validate(plan, cfg, in_stage);
	plan->nleftover = r.end - r.start;
	if (plan->nleftover > sizeof plan->leftover)
		plan->nleftover = sizeof plan->leftover;
	memcpy(plan->leftover, r.buf + r.start, plan->nleftover);
}

void plan_prepare(struct plan *plan)
{
	for (size_t i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].op->prepare)
			prepare_step(&plan->steps[i]);
}

void plan_close_prepared(const struct plan *plan)
{
	for (size_t i = 0; i < plan->nsteps; i++) {
		if (plan->steps[i].fd >= 0)
			close(plan->steps[i].fd);
		if (plan->steps[i].rootfd >= 0)
			close(plan->steps[i].rootfd);
	}
}
