// SPDX-License-Identifier: Apache-2.0
/*
 * sl-old-link: leaves behind what an earlier sluiced would have (a test tool). It loads
 * a cgroup skb program that lets every packet through, attaches it to CGROUP at the
 * egress or ingress hook through a bpf_link, pins the link at PIN and exits: the link,
 * and so the program, stays attached until the pin is removed. The agent's tests use it
 * to check that a newer sluiced detaches the hooks it no longer uses.
 *
 *   sl-old-link --cgroup CGROUP --hook egress|ingress --pin PIN
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sl-old-link --cgroup CGROUP --hook egress|ingress --pin PIN\n");
}

int main(int argc, char **argv)
{
	/* r0 = 1 (let the packet through); exit */
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	const char *cgroup = NULL, *hook = NULL, *pin = NULL;
	enum bpf_attach_type type;
	union bpf_attr attr;
	int prog_fd, cg_fd, link_fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(argv[i], "--cgroup"))
			cgroup = argv[++i];
		else if (!strcmp(argv[i], "--hook"))
			hook = argv[++i];
		else if (!strcmp(argv[i], "--pin"))
			pin = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!cgroup || !hook || !pin) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(hook, "egress")) {
		type = BPF_CGROUP_INET_EGRESS;
	} else if (!strcmp(hook, "ingress")) {
		type = BPF_CGROUP_INET_INGRESS;
	} else {
		usage(stderr);
		return 2;
	}

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.expected_attach_type = type;
	strncpy(attr.prog_name, "sl_old_skb", sizeof(attr.prog_name) - 1);
	prog_fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (prog_fd < 0) {
		fprintf(stderr, "sl-old-link: loading the program: %s\n", strerror(errno));
		return 1;
	}
	cg_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		fprintf(stderr, "sl-old-link: %s: %s\n", cgroup, strerror(errno));
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)prog_fd;
	attr.link_create.target_fd = (uint32_t)cg_fd;
	attr.link_create.attach_type = type;
	link_fd = sys_bpf(BPF_LINK_CREATE, &attr);
	if (link_fd < 0) {
		fprintf(stderr, "sl-old-link: attaching to %s: %s\n", cgroup, strerror(errno));
		return 1;
	}
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)pin;
	attr.bpf_fd = (uint32_t)link_fd;
	if (sys_bpf(BPF_OBJ_PIN, &attr)) {
		fprintf(stderr, "sl-old-link: pinning at %s: %s\n", pin, strerror(errno));
		return 1;
	}
	return 0;
}
