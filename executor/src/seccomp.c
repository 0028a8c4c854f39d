/*
 * The `seccomp` step: build the filter TypeScript chose (libseccomp), and
 * load it as late as the kernel lets us.
 *
 * With no_new_privs set (the `no-new-privileges` step came first) anyone
 * may load a filter, so it is loaded in step_exec, after the executor's
 * last sync message: the filter then never sees the executor's own set-up
 * and cannot break it. Without no_new_privs the kernel wants CAP_SYS_ADMIN
 * for seccomp(2), which `credentials` may be about to drop: then it is
 * loaded here and now, before `credentials` (as runc does), and the rest of
 * set-up runs under it.
 *
 * libseccomp's part -- the rules resolved and compiled into a BPF program,
 * about a millisecond for a default profile -- is done by the supervisor
 * while init sets the container up: each `seccomp` step gets a pipe before
 * the clone (prepare_seccomp), the supervisor compiles the filter right
 * after it released init and writes the program into the pipe
 * (seccomp_compile_for_init), and the step reads it from there. When the
 * supervisor could not send it (a filter that does not compile, or one too
 * large for the pipe), the step compiles it itself, and a failure is then
 * reported with the step's own words.
 *
 * Argument format (docs/executor.md): DEFAULT ARCHES(list) RULES(list),
 * each rule "ACTION SYSCALL [INDEX OP VALUE [VALUE2]]...". A system call
 * this architecture does not have is skipped, as runc does.
 */
#include "plan.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/uio.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_RULE_ARGS 6

/* allow | errno:N | kill-thread | kill-process | trap | log | trace:N */
static int parse_action(const char *s, uint32_t *action)
{
	uint64_t n;

	if (!strcmp(s, "allow"))
		*action = SCMP_ACT_ALLOW;
	else if (!strcmp(s, "kill-thread"))
		*action = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(s, "kill-process"))
		*action = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(s, "trap"))
		*action = SCMP_ACT_TRAP;
	else if (!strcmp(s, "log"))
		*action = SCMP_ACT_LOG;
	else if (!strncmp(s, "errno:", 6) && parse_u64(s + 6, 10, 4095, &n) == 0)
		*action = SCMP_ACT_ERRNO((uint32_t)n);
	else if (!strncmp(s, "trace:", 6) && parse_u64(s + 6, 10, 65535, &n) == 0)
		*action = SCMP_ACT_TRACE((uint32_t)n);
	else
		return -1;
	return 0;
}

static int parse_op(const char *s, enum scmp_compare *op)
{
	static const struct { const char *name; enum scmp_compare op; } ops[] = {
		{ "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT },
		{ "le", SCMP_CMP_LE }, { "eq", SCMP_CMP_EQ },
		{ "ge", SCMP_CMP_GE }, { "gt", SCMP_CMP_GT },
		{ "masked-eq", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(s, ops[i].name)) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

/* 0x-prefixed hex or decimal: a full 64-bit value. */
static int parse_value(const char *s, uint64_t *v)
{
	if (!strncmp(s, "0x", 2))
		return parse_u64(s + 2, 16, UINT64_MAX, v);
	return parse_u64(s, 10, UINT64_MAX, v);
}

/* One rule; `text` is modified (split into words). Returns 0 or -1 with
 * failure set to the rule's text. */
static int add_rule(scmp_filter_ctx ctx, char *text, const char *orig)
{
	struct scmp_arg_cmp cmp[MAX_RULE_ARGS];
	unsigned ncmp = 0;
	uint32_t action;
	char *save = NULL;
	char *act = strtok_r(text, " ", &save);
	char *name = strtok_r(NULL, " ", &save);
	char *word;
	int nr, rc;

	if (!act || !name || parse_action(act, &action) < 0)
		return fail(EINVAL, orig);
	while ((word = strtok_r(NULL, " ", &save))) {
		uint64_t index;
		enum scmp_compare op;
		char *opname = strtok_r(NULL, " ", &save);
		char *value = strtok_r(NULL, " ", &save);

		if (ncmp == MAX_RULE_ARGS || !opname || !value ||
		    parse_u64(word, 10, 5, &index) < 0 || parse_op(opname, &op) < 0)
			return fail(EINVAL, orig);
		cmp[ncmp] = (struct scmp_arg_cmp){ .arg = (unsigned)index, .op = op };
		if (parse_value(value, &cmp[ncmp].datum_a) < 0)
			return fail(EINVAL, orig);
		if (op == SCMP_CMP_MASKED_EQ) {
			char *two = strtok_r(NULL, " ", &save);
			if (!two || parse_value(two, &cmp[ncmp].datum_b) < 0)
				return fail(EINVAL, orig);
		}
		ncmp++;
	}
	nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not a call of this architecture (or too new for libseccomp) */
	rc = seccomp_rule_add_array(ctx, action, nr, ncmp, cmp);
	if (rc < 0)
		return fail(-rc, orig);
	return 0;
}

static int add_arches(scmp_filter_ctx ctx, const struct arg *arches)
{
	for (size_t i = 0; i < arches->count; i++) {
		uint32_t arch = seccomp_arch_resolve_name(arches->items[i]);
		int rc;

		if (!arch)
			return fail(EINVAL, arches->items[i]);
		rc = seccomp_arch_add(ctx, arch);
		if (rc < 0 && rc != -EEXIST)
			return fail(-rc, arches->items[i]);
	}
	return 0;
}

static scmp_filter_ctx build(const struct step *s)
{
	uint32_t def;
	scmp_filter_ctx ctx;

	if (parse_action(s->args[0].str, &def) < 0) {
		fail(EINVAL, s->args[0].str);
		return NULL;
	}
	ctx = seccomp_init(def);
	if (!ctx) {
		fail(ENOMEM, "seccomp_init");
		return NULL;
	}
	/* no_new_privs is the plan's decision, not libseccomp's (it would set
	 * it on load); a call of another architecture kills the process
	 * rather than slip past rules written for this one. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
	    add_arches(ctx, &s->args[1]) < 0)
		goto fail;
	for (size_t i = 0; i < s->args[2].count; i++) {
		char *copy = strdup(s->args[2].items[i]);
		int rc;

		if (!copy) {
			fail(ENOMEM, "seccomp");
			goto fail;
		}
		rc = add_rule(ctx, copy, s->args[2].items[i]);
		free(copy);
		if (rc < 0)
			goto fail;
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/* The filter as the BPF program libseccomp makes of it (exported through
 * a memfd), to be loaded by seccomp(2) itself: NULL on failure. */
static struct sock_fprog *compile(const struct step *s)
{
	scmp_filter_ctx ctx = build(s);
	struct sock_fprog *prog = NULL;
	off_t size;
	int fd, rc;

	if (!ctx)
		return NULL;
	fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		fail(errno, "memfd_create");
		goto out;
	}
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0) {
		fail(-rc, "seccomp_export_bpf");
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	prog = calloc(1, sizeof *prog);
	if (!prog || size <= 0 || size % sizeof(struct sock_filter) ||
	    !(prog->filter = malloc((size_t)size)) ||
	    pread(fd, prog->filter, (size_t)size, 0) != size) {
		fail(prog && size > 0 ? EIO : ENOMEM, "seccomp_export_bpf");
		if (prog)
			free(prog->filter);
		free(prog);
		prog = NULL;
		goto out;
	}
	prog->len = (unsigned short)(size / sizeof(struct sock_filter));
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return prog;
}

/* Flags 0, as libseccomp's own load with our attributes: no TSYNC (init
 * is single-threaded), no log, and no_new_privs is a step of its own. */
static int load(struct sock_fprog *prog)
{
	int rc = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
	int err = errno;

	free(prog->filter);
	free(prog);
	return rc < 0 ? fail(err, "seccomp") : 0;
}

/* The pipes of prepare_seccomp: their write ends stay with the supervisor. */
static struct pending {
	const struct step *step;
	int fd;
} pending[4];

int prepare_seccomp(struct step *s)
{
	int p[2];

	for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
		if (pending[i].step)
			continue;
		/* No pipe is no failure: the step compiles the filter itself. */
		if (pipe2(p, O_CLOEXEC) < 0)
			return 0;
		s->fd = p[0];
		pending[i] = (struct pending){ .step = s, .fd = p[1] };
		return 0;
	}
	return 0;
}

/* One program in the pipe: its number of instructions, then those. */
static void send_program(int fd, const struct sock_fprog *prog)
{
	size_t bytes = prog->len * sizeof(struct sock_filter);
	uint32_t count = prog->len;
	struct iovec iov[2] = {
		{ .iov_base = &count, .iov_len = sizeof count },
		{ .iov_base = prog->filter, .iov_len = bytes },
	};
	int capacity = fcntl(fd, F_GETPIPE_SZ);

	/* What does not fit at once is not sent: init reads only at its step,
	 * and the supervisor must never wait for it. */
	if (capacity < 0 || (size_t)capacity < sizeof count + bytes ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return;
	(void)!writev(fd, iov, 2);	/* a short write: the step compiles it */
}

void seccomp_compile_for_init(void)
{
	struct failure saved = failure;	/* a filter's failure is the step's to report */

	for (size_t i = 0; i < sizeof pending / sizeof pending[0]; i++) {
		struct sock_fprog *prog;

		if (!pending[i].step)
			continue;
		prog = compile(pending[i].step);
		if (prog) {
			send_program(pending[i].fd, prog);
			free(prog->filter);
			free(prog);
		}
		close(pending[i].fd);
		pending[i] = (struct pending){ 0 };
	}
	failure = saved;
}

/* LEN bytes, or fewer at EOF (the supervisor sent nothing, or less). */
static size_t read_up_to(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* The program the supervisor sent through the step's pipe, or NULL. */
static struct sock_fprog *receive_program(int fd)
{
	struct sock_fprog *prog;
	uint32_t count;
	size_t bytes;

	if (read_up_to(fd, &count, sizeof count) != sizeof count ||
	    count == 0 || count > BPF_MAXINSNS)
		return NULL;
	bytes = count * sizeof(struct sock_filter);
	prog = calloc(1, sizeof *prog);
	if (!prog || !(prog->filter = malloc(bytes)) ||
	    read_up_to(fd, prog->filter, bytes) != bytes) {
		if (prog)
			free(prog->filter);
		free(prog);
		return NULL;
	}
	prog->len = (unsigned short)count;
	return prog;
}

int step_seccomp(struct init_state *st, const struct step *s)
{
	struct sock_fprog *prog = NULL;

	if (s->fd >= 0) {
		prog = receive_program(s->fd);
		close(s->fd);
	}
	if (!prog)
		prog = compile(s);
	if (!prog)
		return -1;
	if (st->seccomp) {	/* a second deferred filter replaces the first (the plan has one) */
		free(((struct sock_fprog *)st->seccomp)->filter);
		free(st->seccomp);
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		st->seccomp = prog;
		return 0;
	}
	st->seccomp = NULL;
	return load(prog);
}

int seccomp_load_deferred(struct init_state *st)
{
	struct sock_fprog *prog = st->seccomp;

	if (!prog)
		return 0;
	st->seccomp = NULL;
	return load(prog);
}
