//! Validation of config.json's `process` (also the process spec of an exec): args, env, cwd, user,
//! capabilities, rlimits, oomScoreAdj, terminal/consoleSize, scheduler, ioPriority, CPU affinity.

import { isCapabilityName, KNOWN_CAPABILITIES, suggestCapability } from './capabilities';
import { isRlimitName, KNOWN_RLIMITS } from './rlimits';
import type { Capabilities, IoPriority, IoPriorityClass, Process, Rlimit, Scheduler, SchedulerPolicy, User } from './spec';
import {
  childPath,
  compact,
  field,
  I32_MAX,
  I32_MIN,
  isAbsolutePath,
  isCpuList,
  type Obj,
  show,
  SpecReader,
  U32_MAX,
  U64_MAX,
} from './validate-read';

/** uid/gid 4294967295 is (uid_t)-1, which setresuid/setresgid read as "leave unchanged". */
const ID_RANGE = { min: 0, max: U32_MAX - 1, expect: 'must be an integer from 0 to 4294967294' };

export const CAPABILITY_SETS = ['bounding', 'effective', 'inheritable', 'permitted', 'ambient'] as const;
export const SCHEDULER_POLICIES: readonly SchedulerPolicy[] = [
  'SCHED_OTHER',
  'SCHED_FIFO',
  'SCHED_RR',
  'SCHED_BATCH',
  'SCHED_ISO',
  'SCHED_IDLE',
  'SCHED_DEADLINE',
];
export const SCHEDULER_FLAGS = [
  'SCHED_FLAG_RESET_ON_FORK',
  'SCHED_FLAG_RECLAIM',
  'SCHED_FLAG_DL_OVERRUN',
  'SCHED_FLAG_KEEP_POLICY',
  'SCHED_FLAG_KEEP_PARAMS',
  'SCHED_FLAG_UTIL_CLAMP_MIN',
  'SCHED_FLAG_UTIL_CLAMP_MAX',
] as const;
const IO_PRIORITY_CLASSES: readonly IoPriorityClass[] = ['IOPRIO_CLASS_RT', 'IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE'];

/** `process` as it appears in config.json (path "process") or as an exec's process spec. */
export function readProcess(r: SpecReader, v: unknown, path: string): Process | undefined {
  const o = r.object(v, path, { required: 'give the container process: at least args, cwd and user' });
  if (o === undefined) return undefined;
  const terminal = r.boolean(o, 'terminal', path);
  const consoleSize = readConsoleSize(r, o, path, terminal === true);
  const user = readUser(r, o, path);
  const args = r.array(o, 'args', path, (item, p) => (typeof item === 'string' ? item : r.issue(p, `must be a string, not ${show(item)}`)), {
    required: 'give the command to run, e.g. ["sh"]',
    what: 'a non-empty array of strings',
  });
  if (args !== undefined && args.length === 0 && Array.isArray(field(o, 'args'))) {
    r.issue(childPath(path, 'args'), 'must be a non-empty array of strings; give the command to run, e.g. ["sh"]');
  }
  const cwd = r.string(o, 'cwd', path, { required: 'give the working directory as an absolute path, e.g. "/"' });
  if (cwd !== undefined && !isAbsolutePath(cwd)) {
    r.issue(childPath(path, 'cwd'), `${show(cwd)} is not an absolute path; start it with "/"`);
  }
  return compact<Process>({
    terminal,
    consoleSize,
    user: user ?? { uid: 0, gid: 0 },
    args: args ?? [],
    env: readEnv(r, o, 'env', path),
    cwd: cwd ?? '/',
    capabilities: readCapabilities(r, o, path),
    rlimits: readRlimits(r, o, path),
    noNewPrivileges: r.boolean(o, 'noNewPrivileges', path),
    apparmorProfile: r.string(o, 'apparmorProfile', path),
    oomScoreAdj: r.int(o, 'oomScoreAdj', path, { min: -1000, max: 1000 }),
    selinuxLabel: r.string(o, 'selinuxLabel', path),
    ioPriority: readIoPriority(r, o, path),
    scheduler: readScheduler(r, o, path),
    execCPUAffinity: readCpuAffinity(r, o, path),
  });
}

function readConsoleSize(r: SpecReader, o: Obj, parent: string, terminal: boolean): Process['consoleSize'] {
  const path = childPath(parent, 'consoleSize');
  const c = r.objectField(o, 'consoleSize', parent);
  if (c === undefined) return undefined;
  if (!terminal) r.issue(path, 'applies only with a terminal; set process.terminal to true or remove consoleSize');
  const range = { min: 0, max: U32_MAX, required: 'give the size in characters' };
  const height = r.int(c, 'height', path, range);
  const width = r.int(c, 'width', path, range);
  return height === undefined || width === undefined ? undefined : { height, width };
}

function readUser(r: SpecReader, o: Obj, parent: string): User | undefined {
  const path = childPath(parent, 'user');
  const u = r.objectField(o, 'user', parent, { required: 'give the user to run as, e.g. {"uid": 0, "gid": 0}' });
  if (u === undefined) return undefined;
  const uid = r.int(u, 'uid', path, { ...ID_RANGE, required: 'give the numeric user id, e.g. 0' });
  const gid = r.int(u, 'gid', path, { ...ID_RANGE, required: 'give the numeric group id, e.g. 0' });
  const umask = r.int(u, 'umask', path, { min: 0, max: 0o777, expect: 'must be a file mode from 0 to 511 (0o777), e.g. 18 for 022' });
  const additionalGids = r.array(u, 'additionalGids', path, (item, p) => r.intValue(item, p, ID_RANGE), {
    what: 'an array of group ids',
  });
  return compact<User>({ uid: uid ?? 0, gid: gid ?? 0, umask, additionalGids });
}

/** An env list (process.env, hooks[].env): each entry KEY=VALUE with a non-empty KEY and no NUL. */
export function readEnv(r: SpecReader, o: Obj, key: string, parent: string): string[] | undefined {
  return r.array(
    o,
    key,
    parent,
    (item, path) => {
      const s = r.stringValue(item, path, { required: 'use a "KEY=VALUE" string' });
      if (s === undefined) return undefined;
      const eq = s.indexOf('=');
      if (eq < 0) return r.issue(path, `${show(s)} is not KEY=VALUE; write it as ${show(`${s}=`)} for an empty value`);
      if (eq === 0) return r.issue(path, `${show(s)} has an empty variable name; write it as KEY=VALUE`);
      if (s.includes('\0')) return r.issue(path, 'contains a NUL byte; remove it');
      return s;
    },
    { what: 'an array of "KEY=VALUE" strings' },
  );
}

function readCapabilities(r: SpecReader, o: Obj, parent: string): Capabilities | undefined {
  const path = childPath(parent, 'capabilities');
  const c = r.objectField(o, 'capabilities', parent);
  if (c === undefined) return undefined;
  const sets: Record<string, string[] | undefined> = {};
  for (const set of CAPABILITY_SETS) {
    sets[set] = r.array(
      c,
      set,
      path,
      (item, p) => {
        const name = r.stringValue(item, p, { required: 'use a capability name such as "CAP_KILL"' });
        if (name === undefined || isCapabilityName(name)) return name;
        const hint = suggestCapability(name);
        return r.issue(
          p,
          hint !== undefined
            ? `${show(name)} is not a capability name; write ${show(hint)}`
            : `${show(name)} is not a known capability; use one of ${KNOWN_CAPABILITIES.join(', ')}`,
        );
      },
      { what: 'an array of capability names' },
    );
  }
  return compact<Capabilities>(sets);
}

function readRlimits(r: SpecReader, o: Obj, parent: string): Rlimit[] | undefined {
  const seen = new Map<string, number>();
  return r.array(
    o,
    'rlimits',
    parent,
    (item, path, index) => {
      const l = r.object(item, path);
      if (l === undefined) return undefined;
      const type = r.string(l, 'type', path, { required: 'give the limit name, e.g. "RLIMIT_NOFILE"' });
      if (type !== undefined && !isRlimitName(type)) {
        r.issue(childPath(path, 'type'), `${show(type)} is not a resource limit; use one of ${KNOWN_RLIMITS.join(', ')}`);
      } else if (type !== undefined) {
        const first = seen.get(type);
        if (first !== undefined) r.issue(childPath(path, 'type'), `${type} is already set at ${parent}.rlimits[${first}]; keep one entry per type`);
        else seen.set(type, index);
      }
      const range = { min: 0n, max: U64_MAX, expect: 'must be an integer from 0 to 18446744073709551615 (unlimited)' };
      const hard = r.int64(l, 'hard', path, { ...range, required: 'give the hard limit (18446744073709551615 for unlimited)' });
      const soft = r.int64(l, 'soft', path, { ...range, required: 'give the soft limit (at most the hard limit)' });
      if (hard !== undefined && soft !== undefined && soft > hard) {
        r.issue(childPath(path, 'soft'), `${soft} is above the hard limit ${hard}; lower soft or raise hard`);
      }
      if (type === undefined || !isRlimitName(type) || hard === undefined || soft === undefined) return undefined;
      return { type, hard, soft };
    },
    { what: 'an array of {"type", "hard", "soft"} objects' },
  );
}

function readIoPriority(r: SpecReader, o: Obj, parent: string): IoPriority | undefined {
  const path = childPath(parent, 'ioPriority');
  const p = r.objectField(o, 'ioPriority', parent);
  if (p === undefined) return undefined;
  const cls = r.oneOf(p, 'class', path, IO_PRIORITY_CLASSES, 'an I/O priority class', { required: 'e.g. "IOPRIO_CLASS_BE"' });
  const priority = r.int(p, 'priority', path, { min: 0, max: 7, required: 'give a level from 0 (highest) to 7' });
  return cls === undefined || priority === undefined ? undefined : { class: cls, priority };
}

function readScheduler(r: SpecReader, o: Obj, parent: string): Scheduler | undefined {
  const path = childPath(parent, 'scheduler');
  const s = r.objectField(o, 'scheduler', parent);
  if (s === undefined) return undefined;
  const policy = r.oneOf(s, 'policy', path, SCHEDULER_POLICIES, 'a scheduler policy', { required: 'e.g. "SCHED_OTHER"' });
  const nice = r.int(s, 'nice', path, { min: -20, max: 19 });
  const priority = r.int(s, 'priority', path, { min: I32_MIN, max: I32_MAX });
  const flags = r.array(s, 'flags', path, (item, p) => {
    const f = r.stringValue(item, p, { required: 'use a SCHED_FLAG_* name' });
    if (f === undefined || (SCHEDULER_FLAGS as readonly string[]).includes(f)) return f;
    return r.issue(p, `${show(f)} is not a scheduler flag; use one of ${SCHEDULER_FLAGS.join(', ')}`);
  });
  const u64 = { min: 0n, max: U64_MAX };
  const runtime = r.int64(s, 'runtime', path, u64);
  const deadline = r.int64(s, 'deadline', path, u64);
  const period = r.int64(s, 'period', path, u64);
  if (priority !== undefined && priority !== 0 && policy !== undefined && policy !== 'SCHED_FIFO' && policy !== 'SCHED_RR') {
    r.issue(childPath(path, 'priority'), `applies only to SCHED_FIFO and SCHED_RR, not ${policy}; remove it or change the policy`);
  }
  if (policy !== undefined && policy !== 'SCHED_DEADLINE') {
    for (const [k, v] of [['runtime', runtime], ['deadline', deadline], ['period', period]] as const) {
      if (v !== undefined && v !== 0n) r.issue(childPath(path, k), `applies only to SCHED_DEADLINE, not ${policy}; remove it or change the policy`);
    }
  }
  if (policy === undefined) return undefined;
  return compact<Scheduler>({ policy, nice, priority, flags, runtime, deadline, period });
}

function readCpuAffinity(r: SpecReader, o: Obj, parent: string): Process['execCPUAffinity'] {
  const path = childPath(parent, 'execCPUAffinity');
  const a = r.objectField(o, 'execCPUAffinity', parent);
  if (a === undefined) return undefined;
  const read = (key: string): string | undefined => {
    const s = r.string(a, key, path);
    if (s === undefined || isCpuList(s)) return s;
    return r.issue(childPath(path, key), `${show(s)} is not a CPU list; write it like "0-3,7"`);
  };
  return compact({ initial: read('initial'), final: read('final') });
}
