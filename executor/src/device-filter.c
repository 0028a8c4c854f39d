/*
 * `device-filter CGROUPDIR RULES(list)`: the device policy on cgroup v2,
 * where it is an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached to the
 * container's cgroup. TypeScript chooses the rules; this file only turns
 * them into instructions, loads them and attaches them, before the clone.
 *
 * A rule is one token, `allow|deny TYPE MAJOR:MINOR ACCESS`, TYPE `a`, `c`
 * or `b`, `*` for any number, ACCESS a subset of `rwm`. Rules apply in
 * order and the last match wins, so the program tests them last first and
 * returns at the first match; nothing matching means deny.
 *
 * The program's context (struct bpf_cgroup_dev_ctx): access_type, whose
 * low 16 bits are the type (BPF_DEVCG_DEV_BLOCK/CHAR) and high 16 bits the
 * access (BPF_DEVCG_ACC_MKNOD/READ/WRITE), then major, then minor.
 * Attached with BPF_F_ALLOW_MULTI, so programs above (the host's) and below
 * (a booted systemd's own) still run: every one of them must allow.
 */
#include "config.h"
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_RULES 1024
/* Per rule at most 6 instructions, plus 6 of prologue and 2 of epilogue. */
#define MAX_INSNS (MAX_RULES * 6 + 8)

struct rule {
	bool allow;
	char type;		/* 'a', 'c', 'b' */
	int64_t major, minor;	/* -1: any */
	unsigned access;	/* BPF_DEVCG_ACC_* bits */
};

static int parse_number(const char *s, const char *end, int64_t *out)
{
	char *stop;
	unsigned long v;

	if (end - s == 1 && *s == '*') {
		*out = -1;
		return 0;
	}
	if (s == end || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &stop, 10);
	if (errno || stop != end || v > INT32_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int parse_rule(const char *text, struct rule *r)
{
	char verb[8], type, numbers[40], access[8];
	const char *colon;

	if (sscanf(text, "%7s %c %39s %7s", verb, &type, numbers, access) != 4)
		return -1;
	if (strcmp(verb, "allow") == 0)
		r->allow = true;
	else if (strcmp(verb, "deny") == 0)
		r->allow = false;
	else
		return -1;
	if (type != 'a' && type != 'c' && type != 'b')
		return -1;
	r->type = type;
	colon = strchr(numbers, ':');
	if (!colon || parse_number(numbers, colon, &r->major) < 0 ||
	    parse_number(colon + 1, colon + strlen(colon), &r->minor) < 0)
		return -1;
	r->access = 0;
	for (const char *c = access; *c; c++) {
		if (*c == 'r')
			r->access |= BPF_DEVCG_ACC_READ;
		else if (*c == 'w')
			r->access |= BPF_DEVCG_ACC_WRITE;
		else if (*c == 'm')
			r->access |= BPF_DEVCG_ACC_MKNOD;
		else
			return -1;
	}
	return 0;
}

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/*
 * One rule: a block of conditional jumps to the next block, then the verdict.
 * R2 = type, R3 = access, R4 = major, R5 = minor; R1 is scratch.
 */
static size_t emit_rule(struct bpf_insn *p, const struct rule *r)
{
	size_t n = 0, i;
	const unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
	struct bpf_insn checks[4];
	size_t nchecks = 0;

	if (r->type != 'a')
		checks[nchecks++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
					 r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	if (r->major >= 0)
		checks[nchecks++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)r->major);
	if (r->minor >= 0)
		checks[nchecks++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)r->minor);
	/* Access matches when the request asks for nothing outside the rule's. */
	bool access_check = (r->access & all) != all;
	size_t block = nchecks + (access_check ? 3 : 0) + 2;

	for (i = 0; i < nchecks; i++) {
		p[n] = checks[i];
		p[n].off = (int16_t)(block - n - 1);
		n++;
	}
	if (access_check) {
		p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)(~r->access & all));
		p[n] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, 0);
		p[n].off = (int16_t)(block - n - 1);
		n++;
	}
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow ? 1 : 0);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static bool matches_all(const struct rule *r)
{
	return r->type == 'a' && r->major < 0 && r->minor < 0 &&
	       r->access == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
}

static size_t emit_program(struct bpf_insn *p, const struct rule *rules, size_t nrules)
{
	size_t n = 0;

	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0);
	p[n++] = INSN(BPF_ALU64 | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0);
	p[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0);
	for (size_t i = nrules; i-- > 0;) {
		n += emit_rule(p + n, &rules[i]);
		/*
		 * A rule matching everything (`a *:* rwm`, usually the first)
		 * ends the program: what it shadows would be unreachable code,
		 * which the verifier refuses.
		 */
		if (matches_all(&rules[i]))
			return n;
	}
	p[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int sup_device_filter(struct config *cfg, const struct step *st)
{
	const char *dir = st->args[0].str;
	const struct arg *list = &st->args[1];
	static struct rule rules[MAX_RULES];
	static struct bpf_insn insns[MAX_INSNS];
	union bpf_attr attr;
	int prog, cgroup;
	size_t n;

	(void)cfg;
	if (list->count > MAX_RULES)
		return fail(E2BIG, "too many device rules");
	for (size_t i = 0; i < list->count; i++)
		if (parse_rule(list->items[i], &rules[i]) < 0)
			return fail(EINVAL, list->items[i]);
	n = emit_program(insns, rules, list->count);

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	prog = sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog < 0)
		return fail(errno, "BPF_PROG_LOAD");

	cgroup = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgroup < 0) {
		int err = errno;
		close(prog);
		return fail(err, dir);
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgroup;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	int rc = sys_bpf(BPF_PROG_ATTACH, &attr);
	int err = errno;
	/* The attachment holds the program until the cgroup is removed. */
	close(cgroup);
	close(prog);
	return rc < 0 ? fail(err, dir) : 0;
}
