/* bpf(2) for cgroup device filters (src/linux/bpf.ts): load a program, attach/detach it to a
 * cgroup directory fd, list the programs attached there. Each returns -errno on failure. */
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tsrun.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

int tsrun_bpf_prog_load(unsigned prog_type, unsigned expected_attach_type, const uint8_t *insns, unsigned insn_cnt,
			const char *license, char *log, unsigned log_size)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = prog_type;
	attr.expected_attach_type = expected_attach_type;
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = insn_cnt;
	attr.license = (uint64_t)(uintptr_t)license;
	if (log != NULL && log_size > 0) {
		log[0] = '\0';
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = log_size;
		attr.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &attr);
}

int tsrun_bpf_prog_attach(int target_fd, int prog_fd, unsigned attach_type, unsigned flags)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = target_fd;
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = attach_type;
	attr.attach_flags = flags;
	return sys_bpf(BPF_PROG_ATTACH, &attr);
}

int tsrun_bpf_prog_detach(int target_fd, int prog_fd, unsigned attach_type)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = target_fd;
	attr.attach_bpf_fd = prog_fd;
	attr.attach_type = attach_type;
	return sys_bpf(BPF_PROG_DETACH, &attr);
}

int tsrun_bpf_prog_query(int target_fd, unsigned attach_type, uint32_t *ids, unsigned max_ids)
{
	union bpf_attr attr;
	int r;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = target_fd;
	attr.query.attach_type = attach_type;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = max_ids;
	r = sys_bpf(BPF_PROG_QUERY, &attr);
	return r < 0 ? r : (int)attr.query.prog_cnt;
}

int tsrun_bpf_prog_get_fd_by_id(unsigned id)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	return sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}
