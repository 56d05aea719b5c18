/* The flat launch-plan format written by src/runtime/encode.ts and read by the executor.
 * Little-endian, every op 8-byte aligned. Keep both sides in sync: the codes and layouts below
 * are the contract (encode.ts has the same numbers in OP_CODES). */
#ifndef TSRUN_PLAN_FORMAT_H
#define TSRUN_PLAN_FORMAT_H

#include <stdint.h>

#define TSR_PLAN_MAGIC 0x50525354u /* "TSRP" */
#define TSR_PLAN_VERSION 1u

struct tsr_plan_hdr {
	uint32_t magic;
	uint32_t version;
	uint32_t total_size; /* bytes, including this header */
	uint32_t nops;
	uint64_t clone_flags; /* CLONE_NEW* passed to clone */
	uint32_t start_kind;  /* TSR_START_* */
	uint32_t pidns_off;   /* offset of a NUL-terminated pid-ns path to join, 0 = none */
	uint32_t ops_off;     /* offset of the first op */
	uint32_t rootfs_off;  /* offset of the NUL-terminated rootfs path ("root"-based paths), 0 = none */
};

#define TSR_START_PIPE 0u
#define TSR_START_FIFO 1u

/* One op: header, nint int64 values, then nstr strings, each a uint32 length followed by the
 * bytes and a NUL (length 0xffffffff = NULL string, no bytes); padded to 8 bytes. */
struct tsr_op_hdr {
	uint16_t code;
	uint16_t nint;
	uint16_t nstr;
	uint16_t reserved;
	uint32_t size; /* total bytes of this op, a multiple of 8 */
	uint32_t step; /* index of the op in the plan (for error reports) */
};

#define TSR_NULL_STR 0xffffffffu

/* base of a path: resolved inside the rootfs (no escape) or used as given */
#define TSR_BASE_ROOT 0
#define TSR_BASE_ABS 1

/* what to do inside a new mount (the mount op's optional 4th int) */
#define TSR_MOUNT_COPY_UP 1   /* tmpcopyup: copy the directory mounted over into the new mount */
#define TSR_MOUNT_KEEP_MODE 2 /* the new mount's root gets the mode of the directory it covers */

/* what to create at a missing mount target */
#define TSR_MK_NONE 0
#define TSR_MK_DIR 1
#define TSR_MK_FILE 2
#define TSR_MK_AUTO 3

enum tsr_op_code {
	TSR_OP_SETNS = 1,          /* ints: nstype;            strs: path */
	TSR_OP_UNSHARE = 2,        /* ints: flags */
	TSR_OP_WRITE_FILE = 3,     /* ints: base;              strs: path, data */
	TSR_OP_MOUNT = 4,          /* ints: flags, base, mk[, TSR_MOUNT_*];  strs: source?, target, fstype?, data? */
	TSR_OP_MAKE_PARENT_PRIVATE = 5, /*                     strs: path */
	TSR_OP_MKNOD = 6,          /* ints: mode, major, minor, uid, gid; strs: path */
	TSR_OP_SYMLINK = 7,        /*                          strs: target, path */
	TSR_OP_PIVOT_ROOT = 8,     /*                          strs: rootfs */
	TSR_OP_MOVE_ROOT = 9,      /*                          strs: rootfs */
	TSR_OP_MASK_PATH = 10,     /*                          strs: path */
	TSR_OP_READONLY_PATH = 11, /*                          strs: path */
	TSR_OP_REMOUNT_RO = 12,    /*                          strs: path */
	TSR_OP_SETHOSTNAME = 13,   /*                          strs: name */
	TSR_OP_SETDOMAINNAME = 14, /*                          strs: name */
	TSR_OP_SETRLIMIT = 15,     /* ints: resource, soft, hard (u64 bits) */
	TSR_OP_STDIO = 16,         /* ints: fd for 0, 1, 2, 3… (-1: /dev/null) */
	TSR_OP_CAPS_BOUNDING = 17, /* ints: keep mask, last cap */
	TSR_OP_KEEPCAPS = 18,      /* ints: on */
	TSR_OP_SETGROUPS = 19,     /* ints: gids… */
	TSR_OP_SETRESGID = 20,     /* ints: gid */
	TSR_OP_SETRESUID = 21,     /* ints: uid */
	TSR_OP_CAPSET = 22,        /* ints: effective, permitted, inheritable */
	TSR_OP_CAPS_AMBIENT = 23,  /* ints: mask, last cap */
	TSR_OP_NO_NEW_PRIVS = 24,
	TSR_OP_UMASK = 25,         /* ints: mask */
	TSR_OP_CHDIR = 26,         /*                          strs: path */
	TSR_OP_MKDIR_ALL = 27,     /* ints: mode;              strs: path (inside the rootfs) */
	TSR_OP_SYNC_IDMAP = 28,
	TSR_OP_PREPARE_FIFO = 29,  /*                          strs: path */
	TSR_OP_WAIT_START = 30,
	TSR_OP_EXEC = 31,          /* ints: argc[, direct];     strs: path, argv[argc], env… (direct: no trampoline) */
	TSR_OP_SECCOMP = 32,       /* ints: SECCOMP_FILTER_FLAG_*, then one struct sock_filter per int (its 8 bytes) */
	TSR_OP_SET_CTTY = 33,      /* ints: fd — setsid, then make fd (a pty slave) the controlling terminal (fd -1: setsid only) */
	TSR_OP_PAUSE_BEFORE_PIVOT = 34, /* send TSR_MSG_BEFORE_PIVOT, wait for one byte on the sync pipe */
	TSR_OP_CONSOLE = 35,       /* ints: bind on /dev/console (0/1), rows, cols — a pty from the (container's)
				    * /dev/ptmx: master sent to the parent (TSR_MSG_CONSOLE_FD), slave on 0/1/2,
				    * setsid + controlling terminal */
	TSR_OP_FIX_STDIO = 36,     /* ints: uid — fchown 0/1/2 to uid (keeping the gid) unless /dev/null or
				    * owned by uid already; EINVAL/EPERM/EROFS ignored (runc's fixStdioPermissions) */
	TSR_OP_MOVE_MOUNT = 37,    /* ints: fd, base, mk;      strs: source, target — attach the detached
				    * mount `fd` (an id-mapped tree the parent made, kept open until here) */
};

/* argv[0] of the exec trampoline (native/trampoline/trampoline.c); anything else makes it exit */
#define TSR_TRAMPOLINE_MAGIC "tsrun-exec-trampoline"

/* Messages from the child on the report pipe: a header, then `size - sizeof header` bytes of a
 * NUL-terminated path (ERROR only). */
struct tsr_msg_hdr {
	uint32_t size; /* total bytes including this header */
	uint32_t type; /* TSR_MSG_* */
	int32_t value; /* PID: host pid; ERROR: errno */
	int32_t step;  /* ERROR: op index, -1 for the spawn itself */
	char syscall[32];
};

#define TSR_MSG_PID 1        /* value = host pid; first message */
#define TSR_MSG_NEED_IDMAP 2 /* write uid/gid maps, then send one byte on the sync pipe */
#define TSR_MSG_READY 3      /* plan applied; waiting at the start barrier */
#define TSR_MSG_ERROR 4      /* a step failed; the child exits */
#define TSR_MSG_STARTED 5    /* barrier released; execve follows (EOF = exec succeeded) */
#define TSR_MSG_SECCOMP_FD 6 /* value = the child's seccomp listener fd: take it (pidfd_getfd), then
			      * send one byte on the sync pipe */
#define TSR_MSG_BEFORE_PIVOT 7 /* mounts done, pivot_root next: run createContainer hooks, then send
				* one byte on the sync pipe */
#define TSR_MSG_CONSOLE_FD 8 /* value = the child's pty master fd: take it (pidfd_getfd), then send one
			      * byte on the sync pipe */

#endif
