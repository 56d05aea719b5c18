// One row per validation rule: a mutation of runc's example spec, the JSON path that must be
// reported and a fragment of the message (which must say how to fix it).
import { InvalidSpecError } from '../../../src/errors';
import { validateProcessSpec, validateSpec } from '../../../src/runtime/validate';
import { issuesOf, runcSpecWith } from './helpers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Row = [string, (s: Json) => void, string, RegExp];

const ns = (s: Json, ...types: string[]): void => {
  s.linux.namespaces = types.map((type) => ({ type }));
};
const userns = (s: Json): void => {
  s.linux.namespaces.push({ type: 'user' });
  s.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  s.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
};

const ROWS: Row[] = [
  // top level
  ['ociVersion missing', (s) => delete s.ociVersion, 'ociVersion', /is required; give the runtime-spec version/],
  ['ociVersion 2.0.0', (s) => (s.ociVersion = '2.0.0'), 'ociVersion', /"2.0.0" is not supported; tsrun reads runtime-spec 1.0.0 to 1.3.x/],
  ['ociVersion 1.4.0', (s) => (s.ociVersion = '1.4.0'), 'ociVersion', /not supported/],
  ['ociVersion garbage', (s) => (s.ociVersion = 'latest'), 'ociVersion', /is not a version; write it like "1.3.0"/],
  ['ociVersion number', (s) => (s.ociVersion = 1), 'ociVersion', /must be a string/],
  ['root missing', (s) => delete s.root, 'root', /is required; give the root filesystem/],
  ['root.path missing', (s) => delete s.root.path, 'root.path', /is required/],
  ['root.path empty', (s) => (s.root.path = ''), 'root.path', /must not be empty/],
  ['root.readonly string', (s) => (s.root.readonly = 'yes'), 'root.readonly', /must be true or false/],
  ['hostname without uts', (s) => ns(s, 'pid', 'mount'), 'hostname', /needs a uts namespace; add \{"type": "uts"\} to linux.namespaces/],
  ['domainname without uts', (s) => { ns(s, 'mount'); s.hostname = ''; s.domainname = 'x.org'; }, 'domainname', /needs a uts namespace/],
  ['hostname too long', (s) => (s.hostname = 'h'.repeat(65)), 'hostname', /at most 64/],
  ['annotations value not string', (s) => (s.annotations = { a: 1 }), 'annotations["a"]', /must be a string/],
  // process
  ['process missing', (s) => delete s.process, 'process', /is required; give the container process/],
  ['args missing', (s) => delete s.process.args, 'process.args', /is required; give the command to run/],
  ['args empty', (s) => (s.process.args = []), 'process.args', /must be a non-empty array of strings/],
  ['args not array', (s) => (s.process.args = 'sh'), 'process.args', /must be a non-empty array of strings/],
  ['args item number', (s) => (s.process.args = ['sh', 1]), 'process.args[1]', /must be a string/],
  ['env without =', (s) => (s.process.env = ['PATH=/bin', 'FOO']), 'process.env[1]', /"FOO" is not KEY=VALUE; write it as "FOO="/],
  ['env empty name', (s) => (s.process.env = ['=x']), 'process.env[0]', /empty variable name/],
  ['env NUL', (s) => (s.process.env = ['A=b\u0000c']), 'process.env[0]', /NUL/],
  ['cwd relative', (s) => (s.process.cwd = 'srv'), 'process.cwd', /"srv" is not an absolute path; start it with "\/"/],
  ['cwd missing', (s) => delete s.process.cwd, 'process.cwd', /is required/],
  ['user missing', (s) => delete s.process.user, 'process.user', /is required; give the user to run as/],
  ['uid negative', (s) => (s.process.user.uid = -1), 'process.user.uid', /from 0 to 4294967294/],
  ['uid -1 as u32', (s) => (s.process.user.uid = 4294967295), 'process.user.uid', /from 0 to 4294967294/],
  ['gid fraction', (s) => (s.process.user.gid = 1.5), 'process.user.gid', /integer/],
  ['umask too big', (s) => (s.process.user.umask = 0o1000), 'process.user.umask', /0o777/],
  ['additionalGids bad', (s) => (s.process.user.additionalGids = [1, 'x']), 'process.user.additionalGids[1]', /integer/],
  ['unknown capability', (s) => s.process.capabilities.bounding.push('CAP_FOO'), 'process.capabilities.bounding[3]', /"CAP_FOO" is not a known capability; use one of CAP_CHOWN, .*CAP_CHECKPOINT_RESTORE/],
  ['lower-case capability', (s) => (s.process.capabilities.effective = ['cap_kill']), 'process.capabilities.effective[0]', /write "CAP_KILL"/],
  ['capability without prefix', (s) => (s.process.capabilities.permitted = ['SYS_ADMIN']), 'process.capabilities.permitted[0]', /write "CAP_SYS_ADMIN"/],
  ['inheritable checked', (s) => (s.process.capabilities.inheritable = ['CAP_NOPE']), 'process.capabilities.inheritable[0]', /not a known capability/],
  ['ambient checked', (s) => (s.process.capabilities.ambient = ['X']), 'process.capabilities.ambient[0]', /not a known capability/],
  ['capabilities not object', (s) => (s.process.capabilities = ['CAP_KILL']), 'process.capabilities', /must be an object/],
  ['rlimit unknown type', (s) => (s.process.rlimits[0].type = 'RLIMIT_FOO'), 'process.rlimits[0].type', /"RLIMIT_FOO" is not a resource limit; use one of RLIMIT_CPU, .*RLIMIT_RTTIME/],
  ['rlimit soft > hard', (s) => (s.process.rlimits[0].soft = 2048), 'process.rlimits[0].soft', /2048 is above the hard limit 1024/],
  ['rlimit duplicate', (s) => s.process.rlimits.push({ type: 'RLIMIT_NOFILE', hard: 1, soft: 1 }), 'process.rlimits[1].type', /already set at process.rlimits\[0\]/],
  ['rlimit negative', (s) => (s.process.rlimits[0].hard = -1), 'process.rlimits[0].hard', /18446744073709551615/],
  ['rlimit beyond u64', (s) => (s.process.rlimits[0].hard = 18446744073709551616n), 'process.rlimits[0].hard', /from 0 to 18446744073709551615/],
  ['rlimit missing soft', (s) => delete s.process.rlimits[0].soft, 'process.rlimits[0].soft', /is required/],
  ['noNewPrivileges string', (s) => (s.process.noNewPrivileges = 'true'), 'process.noNewPrivileges', /true or false/],
  ['oomScoreAdj too low', (s) => (s.process.oomScoreAdj = -1001), 'process.oomScoreAdj', /from -1000 to 1000/],
  ['oomScoreAdj too high', (s) => (s.process.oomScoreAdj = 1001), 'process.oomScoreAdj', /from -1000 to 1000/],
  ['terminal string', (s) => (s.process.terminal = 1), 'process.terminal', /true or false/],
  ['consoleSize without terminal', (s) => { s.process.terminal = false; s.process.consoleSize = { height: 1, width: 1 }; }, 'process.consoleSize', /set process.terminal to true/],
  ['consoleSize missing width', (s) => (s.process.consoleSize = { height: 1 }), 'process.consoleSize.width', /is required/],
  ['ioPriority bad class', (s) => (s.process.ioPriority = { class: 'RT', priority: 0 }), 'process.ioPriority.class', /use one of IOPRIO_CLASS_RT/],
  ['ioPriority bad level', (s) => (s.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 8 }), 'process.ioPriority.priority', /from 0 to 7/],
  ['scheduler bad policy', (s) => (s.process.scheduler = { policy: 'FIFO' }), 'process.scheduler.policy', /not a scheduler policy/],
  ['scheduler nice range', (s) => (s.process.scheduler = { policy: 'SCHED_OTHER', nice: 20 }), 'process.scheduler.nice', /from -20 to 19/],
  ['scheduler priority for OTHER', (s) => (s.process.scheduler = { policy: 'SCHED_OTHER', priority: 5 }), 'process.scheduler.priority', /only to SCHED_FIFO and SCHED_RR/],
  ['scheduler runtime for RR', (s) => (s.process.scheduler = { policy: 'SCHED_RR', runtime: 5 }), 'process.scheduler.runtime', /only to SCHED_DEADLINE/],
  ['scheduler flag', (s) => (s.process.scheduler = { policy: 'SCHED_OTHER', flags: ['X'] }), 'process.scheduler.flags[0]', /not a scheduler flag/],
  ['execCPUAffinity format', (s) => (s.process.execCPUAffinity = { initial: '0-3,x' }), 'process.execCPUAffinity.initial', /not a CPU list; write it like "0-3,7"/],
  // mounts
  ['mount destination relative', (s) => (s.mounts[0].destination = 'proc'), 'mounts[0].destination', /"proc" is not an absolute path/],
  ['mount destination missing', (s) => delete s.mounts[1].destination, 'mounts[1].destination', /is required/],
  ['mount options not strings', (s) => (s.mounts[1].options = ['ro', 5]), 'mounts[1].options[1]', /must be a string/],
  ['mount options not array', (s) => (s.mounts[1].options = 'ro'), 'mounts[1].options', /array of strings/],
  ['mounts not array', (s) => (s.mounts = {}), 'mounts', /must be an array of mount objects/],
  ['idmap mount without gid', (s) => (s.mounts.push({ destination: '/x', source: '/y', type: 'bind', options: ['rbind'], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] })), 'mounts[7].gidMappings', /needs both uidMappings and gidMappings/],
  ['idmap mount (type bind) without gid', (s) => (s.mounts.push({ destination: '/x', source: '/y', type: 'bind', options: [], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }] })), 'mounts[7].gidMappings', /needs both/],
  ['idmap mount not bind', (s) => (s.mounts.push({ destination: '/x', type: 'tmpfs', options: [], uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] })), 'mounts[7].uidMappings', /only to bind mounts/],
  // namespaces
  ['namespace unknown type', (s) => (s.linux.namespaces[2].type = 'foo'), 'linux.namespaces[2].type', /"foo" is not a namespace type; use one of pid, network, mount, ipc, uts, user, cgroup, time/],
  ['namespace duplicate', (s) => s.linux.namespaces.push({ type: 'pid' }), 'linux.namespaces[5].type', /"pid" is listed twice \(also at linux.namespaces\[0\]\)/],
  ['namespace path relative', (s) => (s.linux.namespaces[1].path = 'proc/1/ns/net'), 'linux.namespaces[1].path', /not an absolute path/],
  ['namespace type missing', (s) => (s.linux.namespaces[1] = { path: '/proc/1/ns/net' }), 'linux.namespaces[1].type', /is required/],
  ['namespaces not array', (s) => (s.linux.namespaces = { pid: true }), 'linux.namespaces', /must be an array/],
  ['uidMappings without userns', (s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), 'linux.uidMappings', /needs a user namespace; add \{"type": "user"\}/],
  ['gidMappings without userns', (s) => (s.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]), 'linux.gidMappings', /needs a user namespace/],
  ['new userns without mappings', (s) => s.linux.namespaces.push({ type: 'user' }), 'linux.uidMappings', /is required for the new user namespace/],
  ['mapping size 0', (s) => { userns(s); s.linux.uidMappings[0].size = 0; }, 'linux.uidMappings[0].size', /from 1 to 4294967295/],
  ['mapping overflow', (s) => { userns(s); s.linux.uidMappings[0].hostID = 4294967295; s.linux.uidMappings[0].size = 2; }, 'linux.uidMappings[0].size', /run past 4294967295/],
  ['mapping overlap', (s) => { userns(s); s.linux.gidMappings.push({ containerID: 1000, hostID: 300000, size: 10 }); }, 'linux.gidMappings[1]', /overlap another entry/],
  ['timeOffsets without time ns', (s) => (s.linux.timeOffsets = { monotonic: { secs: 10 } }), 'linux.timeOffsets', /needs a time namespace/],
  ['timeOffsets bad clock', (s) => { s.linux.namespaces.push({ type: 'time' }); s.linux.timeOffsets = { realtime: { secs: 1 } }; }, 'linux.timeOffsets["realtime"]', /use "boottime" or "monotonic"/],
  ['timeOffsets with joined ns', (s) => { s.linux.namespaces.push({ type: 'time', path: '/proc/1/ns/time' }); s.linux.timeOffsets = { boottime: { nanosecs: 5 } }; }, 'linux.timeOffsets', /cannot be applied when joining/],
  // sysctl
  ['ipc sysctl without ipc ns', (s) => { ns(s, 'uts', 'mount', 'network'); s.linux.sysctl = { 'kernel.shmmax': '1' }; }, 'linux.sysctl["kernel.shmmax"]', /needs an ipc namespace .*add \{"type": "ipc"\}/],
  ['mqueue sysctl without ipc ns', (s) => { ns(s, 'uts', 'mount'); s.linux.sysctl = { 'fs.mqueue.msg_max': '1' }; }, 'linux.sysctl["fs.mqueue.msg_max"]', /needs an ipc namespace/],
  ['net sysctl without net ns', (s) => { ns(s, 'uts', 'mount'); s.linux.sysctl = { 'net.ipv4.ip_forward': '1' }; }, 'linux.sysctl["net.ipv4.ip_forward"]', /needs a network namespace/],
  ['slash sysctl without net ns', (s) => { ns(s, 'uts', 'mount'); s.linux.sysctl = { 'net/ipv4/ip_forward': '1' }; }, 'linux.sysctl["net/ipv4/ip_forward"]', /needs a network namespace/],
  ['kernel.hostname sysctl', (s) => (s.linux.sysctl = { 'kernel.hostname': 'x' }), 'linux.sysctl["kernel.hostname"]', /conflicts with the hostname field/],
  ['kernel.domainname without uts', (s) => { ns(s, 'mount'); s.hostname = ''; s.linux.sysctl = { 'kernel.domainname': 'x' }; }, 'linux.sysctl["kernel.domainname"]', /needs a uts namespace/],
  ['user sysctl without userns', (s) => (s.linux.sysctl = { 'user.max_user_namespaces': '0' }), 'linux.sysctl["user.max_user_namespaces"]', /needs a user namespace/],
  ['host-only sysctl', (s) => (s.linux.sysctl = { 'vm.swappiness': '1' }), 'linux.sysctl["vm.swappiness"]', /not in a namespace of the container .*remove it/],
  ['sysctl value number', (s) => (s.linux.sysctl = { 'net.ipv4.ip_forward': 1 }), 'linux.sysctl["net.ipv4.ip_forward"]', /must be a string/],
  // paths
  ['maskedPaths relative', (s) => s.linux.maskedPaths.push('proc/x'), 'linux.maskedPaths[10]', /not an absolute path/],
  ['readonlyPaths relative', (s) => (s.linux.readonlyPaths = ['x']), 'linux.readonlyPaths[0]', /not an absolute path/],
  ['maskedPaths without mount ns', (s) => ns(s, 'uts'), 'linux.maskedPaths', /needs a mount namespace/],
  ['cgroupsPath ..', (s) => (s.linux.cgroupsPath = '/a/../../b'), 'linux.cgroupsPath', /".." component/],
  ['cgroupsPath systemd 2 parts', (s) => (s.linux.cgroupsPath = 'system.slice:c1'), 'linux.cgroupsPath', /"slice:prefix:name"/],
  ['cgroupsPath systemd bad slice', (s) => (s.linux.cgroupsPath = 'system:tsrun:c1'), 'linux.cgroupsPath', /ending in ".slice"/],
  ['cgroupsPath systemd empty name', (s) => (s.linux.cgroupsPath = 'system.slice:tsrun:'), 'linux.cgroupsPath', /name must not be empty/],
  ['cgroupsPath number', (s) => (s.linux.cgroupsPath = 5), 'linux.cgroupsPath', /must be a string/],
  ['rootfsPropagation', (s) => (s.linux.rootfsPropagation = 'recursive'), 'linux.rootfsPropagation', /not a mount propagation; use one of private, rprivate/],
  ['personality domain', (s) => (s.linux.personality = { domain: 'LINUX64' }), 'linux.personality.domain', /use one of LINUX, LINUX32/],
  ['intelRdt closID', (s) => (s.linux.intelRdt = { closID: 'a/b' }), 'linux.intelRdt.closID', /resctrl group name/],
  ['intelRdt memBwSchema', (s) => (s.linux.intelRdt = { memBwSchema: 'L3:0=f' }), 'linux.intelRdt.memBwSchema', /must start with "MB:"/],
  ['memoryPolicy bind without nodes', (s) => (s.linux.memoryPolicy = { mode: 'MPOL_BIND' }), 'linux.memoryPolicy.nodes', /is required for MPOL_BIND/],
  ['memoryPolicy default with nodes', (s) => (s.linux.memoryPolicy = { mode: 'MPOL_DEFAULT', nodes: '0' }), 'linux.memoryPolicy.nodes', /must be empty/],
  ['memoryPolicy mode', (s) => (s.linux.memoryPolicy = { mode: 'interleave' }), 'linux.memoryPolicy.mode', /not a memory policy mode/],
  ['netDevices without net ns', (s) => { ns(s, 'uts', 'mount'); s.linux.netDevices = { eth1: {} }; }, 'linux.netDevices', /needs a network namespace/],
  ['netDevices bad name', (s) => (s.linux.netDevices = { 'a/b': {} }), 'linux.netDevices["a/b"]', /not a valid network interface name/],
  // devices
  ['device type', (s) => (s.linux.devices = [{ type: 'x', path: '/dev/x', major: 1, minor: 1 }]), 'linux.devices[0].type', /not a device type; use one of c, b, u, p/],
  ['device path relative', (s) => (s.linux.devices = [{ type: 'c', path: 'dev/x', major: 1, minor: 1 }]), 'linux.devices[0].path', /not an absolute path/],
  ['device char without major', (s) => (s.linux.devices = [{ type: 'c', path: '/dev/x', minor: 1 }]), 'linux.devices[0].major', /is required; give the device number/],
  ['device duplicate path', (s) => (s.linux.devices = [{ type: 'p', path: '/dev/x' }, { type: 'p', path: '/dev/x' }]), 'linux.devices[1].path', /already created by linux.devices\[0\]/],
  ['device fileMode', (s) => (s.linux.devices = [{ type: 'p', path: '/dev/x', fileMode: 0o20666 }]), 'linux.devices[0].fileMode', /permission bits.*S_IFMT bits/],
  ['device fileMode too big', (s) => (s.linux.devices = [{ type: 'c', path: '/dev/x', major: 1, minor: 3, fileMode: 0o1000000 }]), 'linux.devices[0].fileMode', /permission bits/],
  ['device rule allow missing', (s) => (s.linux.resources.devices = [{ access: 'rwm' }]), 'linux.resources.devices[0].allow', /is required/],
  ['device rule access', (s) => (s.linux.resources.devices[0].access = 'rwx'), 'linux.resources.devices[0].access', /letters from "rwm"/],
  ['device rule access repeated', (s) => (s.linux.resources.devices[0].access = 'rr'), 'linux.resources.devices[0].access', /each once/],
  ['device rule type', (s) => (s.linux.resources.devices[0].type = 'p'), 'linux.resources.devices[0].type', /use one of a, c, b/],
  ['device rule major', (s) => (s.linux.resources.devices[0].major = -2), 'linux.resources.devices[0].major', /-1 \(any\)/],
  // resources
  ['memory limit < -1', (s) => (s.linux.resources.memory = { limit: -2 }), 'linux.resources.memory.limit', /-1 \(unlimited\)/],
  ['memory limit string', (s) => (s.linux.resources.memory = { limit: '1G' }), 'linux.resources.memory.limit', /-1 \(unlimited\) or a byte count/],
  ['memory limit beyond int64', (s) => (s.linux.resources.memory = { limit: 9223372036854775808n }), 'linux.resources.memory.limit', /9223372036854775807/],
  ['memory swap < limit', (s) => (s.linux.resources.memory = { limit: 200, swap: 100 }), 'linux.resources.memory.swap', /below memory.limit/],
  ['memory swappiness', (s) => (s.linux.resources.memory = { swappiness: 101 }), 'linux.resources.memory.swappiness', /from 0 to 100/],
  ['memory disableOOMKiller', (s) => (s.linux.resources.memory = { disableOOMKiller: 1 }), 'linux.resources.memory.disableOOMKiller', /true or false/],
  ['cpu quota', (s) => (s.linux.resources.cpu = { quota: -5 }), 'linux.resources.cpu.quota', /-1 \(unlimited\)/],
  ['cpu period', (s) => (s.linux.resources.cpu = { period: 10 }), 'linux.resources.cpu.period', /1000 to 1000000/],
  ['cpu burst > quota', (s) => (s.linux.resources.cpu = { quota: 1000, burst: 2000, period: 100000 }), 'linux.resources.cpu.burst', /above quota/],
  ['cpu cpus', (s) => (s.linux.resources.cpu = { cpus: '0-3;5' }), 'linux.resources.cpu.cpus', /write it like "0-3,7"/],
  ['cpu shares negative', (s) => (s.linux.resources.cpu = { shares: -1 }), 'linux.resources.cpu.shares', /from 0 to 18446744073709551615/],
  ['cpu idle', (s) => (s.linux.resources.cpu = { idle: 2 }), 'linux.resources.cpu.idle', /must be 0 or 1/],
  ['pids limit', (s) => (s.linux.resources.pids = { limit: -3 }), 'linux.resources.pids.limit', /-1 \(unlimited\)/],
  ['blockIO weight', (s) => (s.linux.resources.blockIO = { weight: 5 }), 'linux.resources.blockIO.weight', /from 10 to 1000/],
  ['blockIO weightDevice empty', (s) => (s.linux.resources.blockIO = { weightDevice: [{ major: 8, minor: 0 }] }), 'linux.resources.blockIO.weightDevice[0]', /sets no weight/],
  ['blockIO throttle rate missing', (s) => (s.linux.resources.blockIO = { throttleReadBpsDevice: [{ major: 8, minor: 0 }] }), 'linux.resources.blockIO.throttleReadBpsDevice[0].rate', /is required/],
  ['hugepage size', (s) => (s.linux.resources.hugepageLimits = [{ pageSize: '2M', limit: 0 }]), 'linux.resources.hugepageLimits[0].pageSize', /write it like "64KB", "2MB" or "1GB"/],
  ['hugepage limit missing', (s) => (s.linux.resources.hugepageLimits = [{ pageSize: '2MB' }]), 'linux.resources.hugepageLimits[0].limit', /is required/],
  ['network classID', (s) => (s.linux.resources.network = { classID: -1 }), 'linux.resources.network.classID', /from 0 to 4294967295/],
  ['network priority name', (s) => (s.linux.resources.network = { priorities: [{ priority: 1 }] }), 'linux.resources.network.priorities[0].name', /is required/],
  ['rdma empty', (s) => (s.linux.resources.rdma = { mlx5_0: {} }), 'linux.resources.rdma["mlx5_0"]', /sets no limit/],
  ['unified key with slash', (s) => (s.linux.resources.unified = { '../memory.max': '1' }), 'linux.resources.unified["../memory.max"]', /not a cgroup v2 file name/],
  ['unified value number', (s) => (s.linux.resources.unified = { 'memory.high': 5 }), 'linux.resources.unified["memory.high"]', /must be a string/],
  // seccomp
  ['seccomp defaultAction', (s) => (s.linux.seccomp = { defaultAction: 'DENY' }), 'linux.seccomp.defaultAction', /not a seccomp action; use one of SCMP_ACT_KILL/],
  ['seccomp defaultAction missing', (s) => (s.linux.seccomp = {}), 'linux.seccomp.defaultAction', /is required/],
  ['seccomp default notify', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/run/a.sock', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }), 'linux.seccomp.defaultAction', /cannot be SCMP_ACT_NOTIFY/],
  ['seccomp arch', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['x86_64'] }), 'linux.seccomp.architectures[0]', /not a seccomp architecture/],
  ['seccomp flag', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['LOG'] }), 'linux.seccomp.flags[0]', /not a seccomp filter flag/],
  ['seccomp names empty', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }), 'linux.seccomp.syscalls[0].names', /at least one/],
  ['seccomp syscall name', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['Mount!'], action: 'SCMP_ACT_ERRNO' }] }), 'linux.seccomp.syscalls[0].names[0]', /not a syscall name/],
  ['seccomp errnoRet with ALLOW', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ALLOW', errnoRet: 1 }] }), 'linux.seccomp.syscalls[0].errnoRet', /only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE/],
  ['seccomp defaultErrnoRet with KILL', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 1 }), 'linux.seccomp.defaultErrnoRet', /only to SCMP_ACT_ERRNO/],
  ['seccomp arg index', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }), 'linux.seccomp.syscalls[0].args[0].index', /from 0 to 5/],
  ['seccomp arg op', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'EQ' }] }] }), 'linux.seccomp.syscalls[0].args[0].op', /not a seccomp operator/],
  ['seccomp notify without listener', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] }), 'linux.seccomp.listenerPath', /is required by SCMP_ACT_NOTIFY/],
  ['seccomp listener without notify', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock' }), 'linux.seccomp.listenerPath', /no syscall uses SCMP_ACT_NOTIFY/],
  ['seccomp notify on write', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', syscalls: [{ names: ['write'], action: 'SCMP_ACT_NOTIFY' }] }), 'linux.seccomp.syscalls[0].action', /deadlock/],
  ['seccomp metadata without listener', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }), 'linux.seccomp.listenerMetadata', /without listenerPath/],
  // hooks
  ['hook path relative', (s) => (s.hooks = { prestart: [{ path: 'hook' }] }), 'hooks.prestart[0].path', /"hook" is not an absolute path/],
  ['hook path missing', (s) => (s.hooks = { poststop: [{ args: [] }] }), 'hooks.poststop[0].path', /is required/],
  ['hook timeout 0', (s) => (s.hooks = { createRuntime: [{ path: '/bin/true', timeout: 0 }] }), 'hooks.createRuntime[0].timeout', /greater than 0/],
  ['hook timeout fraction', (s) => (s.hooks = { startContainer: [{ path: '/bin/true', timeout: 1.5 }] }), 'hooks.startContainer[0].timeout', /whole number of seconds/],
  ['hook env', (s) => (s.hooks = { poststart: [{ path: '/bin/true', env: ['X'] }] }), 'hooks.poststart[0].env[0]', /not KEY=VALUE/],
  ['hook list not array', (s) => (s.hooks = { createContainer: { path: '/bin/true' } }), 'hooks.createContainer', /array of hook objects/],
];

describe('validation rules', () => {
  test.each(ROWS)('%s', (_name, mutate, path, message) => {
    const issues = issuesOf(runcSpecWith(mutate));
    const match = issues.find((i) => i.path === path);
    if (match === undefined) throw new Error(`no issue at ${path}; got ${JSON.stringify(issues)}`);
    expect(match.message).toMatch(message);
  });
});

describe('accepted variants', () => {
  const ok: [string, (s: Json) => void][] = [
    ['ociVersion 1.0.0', (s) => (s.ociVersion = '1.0.0')],
    ['ociVersion 1.3.7+dev', (s) => (s.ociVersion = '1.3.7+dev')],
    ['ociVersion 1.2.0-rc.1', (s) => (s.ociVersion = '1.2.0-rc.1')],
    ['net sysctl with net ns', (s) => (s.linux.sysctl = { 'net.ipv4.ip_forward': '1', 'net/core/somaxconn': '1024' })],
    ['ipc sysctl with joined ipc ns', (s) => { s.linux.namespaces[2].path = '/proc/1/ns/ipc'; s.linux.sysctl = { 'kernel.msgmax': '1' }; }],
    ['user sysctl with userns', (s) => { userns(s); s.linux.sysctl = { 'user.max_user_namespaces': '0' }; }],
    ['joined userns without mappings', (s) => s.linux.namespaces.push({ type: 'user', path: '/proc/1/ns/user' })],
    ['memory -1 everywhere', (s) => (s.linux.resources.memory = { limit: -1, swap: -1, reservation: -1, kernel: -1, kernelTCP: -1 })],
    ['swappiness as uint64 -1', (s) => (s.linux.resources.memory = { swappiness: 18446744073709551615n })],
    ['cgroupsPath relative', (s) => (s.linux.cgroupsPath = 'tsrun/c1')],
    ['cgroupsPath systemd with empty slice', (s) => (s.linux.cgroupsPath = ':tsrun:c1')],
    ['empty hostname without uts', (s) => { ns(s, 'mount'); s.hostname = ''; }],
    ['fifo device without numbers', (s) => (s.linux.devices = [{ type: 'p', path: '/dev/fifo' }])],
    ['device fileMode with its type bits (podman)', (s) => (s.linux.devices = [{ type: 'c', path: '/dev/null2', major: 1, minor: 3, fileMode: 0o20666 }, { type: 'b', path: '/dev/loop9', major: 7, minor: 9, fileMode: 0o60600 }])],
    ['seccomp notify with listener', (s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/a.sock', listenerMetadata: 'm', syscalls: [{ names: ['mount'], action: 'SCMP_ACT_NOTIFY' }] })],
    ['scheduler deadline', (s) => (s.process.scheduler = { policy: 'SCHED_DEADLINE', runtime: 10, deadline: 20, period: 30, flags: ['SCHED_FLAG_RECLAIM'] })],
    ['time ns with offsets', (s) => { s.linux.namespaces.push({ type: 'time' }); s.linux.timeOffsets = { monotonic: { secs: -5, nanosecs: 1 } }; }],
    ['rlimit at RLIM_INFINITY', (s) => (s.process.rlimits = [{ type: 'RLIMIT_MEMLOCK', hard: 18446744073709551615n, soft: 18446744073709551615n }])],
    ['idmap mount with type bind', (s) => s.mounts.push({ destination: '/x', source: '/y', type: 'bind', uidMappings: [{ containerID: 0, hostID: 1, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1, size: 1 }] })],
    ['all capabilities', (s) => (s.process.capabilities.bounding = ['CAP_BPF', 'CAP_PERFMON', 'CAP_CHECKPOINT_RESTORE', 'CAP_SYS_ADMIN'])],
  ];
  test.each(ok)('%s', (_name, mutate) => {
    expect(issuesOf(runcSpecWith(mutate))).toEqual([]);
  });
});

it('drops the type bits of a device fileMode (S_IFCHR|0666 → 0666)', () => {
  const spec = validateSpec(runcSpecWith((s) => (s.linux.devices = [{ type: 'c', path: '/dev/null2', major: 1, minor: 3, fileMode: 0o20666 }])));
  expect(spec.linux?.devices?.[0]?.fileMode).toBe(0o666);
});

describe('reporting', () => {
  test('every issue is reported at once, in document order, in the error message too', () => {
    const raw = runcSpecWith((s) => {
      s.process.args = [];
      s.process.cwd = 'x';
      s.linux.namespaces[2].type = 'foo';
      s.linux.resources.memory = { limit: 'big' };
    });
    let err: unknown;
    try {
      validateSpec(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidSpecError);
    const issues = (err as InvalidSpecError).issues;
    expect(issues.map((i) => i.path)).toEqual(['process.args', 'process.cwd', 'linux.namespaces[2].type', 'linux.resources.memory.limit']);
    expect((err as Error).message).toContain('config.json: process.args: must be a non-empty array of strings');
    expect((err as Error).message).toContain('linux.namespaces[2].type: "foo" is not a namespace type; use one of pid, network, mount, ipc, uts, user, cgroup, time');
  });

  test('a non-object config', () => {
    expect(issuesOf([])).toEqual([{ path: '(root)', message: 'must be a JSON object, not []' }]);
    expect(issuesOf(null)[0]?.path).toBe('(root)');
  });

  test('InvalidSpecError maps to INVALID_ARGUMENT', () => {
    try {
      validateSpec({});
    } catch (e) {
      expect((e as InvalidSpecError).code).toBe(3);
    }
    expect.assertions(1);
  });
});

describe('validateProcessSpec (exec)', () => {
  test('accepts a containerd exec process', () => {
    const p = validateProcessSpec({ user: { uid: 0, gid: 0 }, args: ['ls', '-l'], env: ['PATH=/bin'], cwd: '/', terminal: false });
    expect(p.args).toEqual(['ls', '-l']);
  });
  test('reports process.* paths', () => {
    expect(() => validateProcessSpec({ args: [], cwd: 'rel' })).toThrow(
      /^exec process spec: process.user: is required.*process.args: must be a non-empty array of strings.*process.cwd: "rel" is not an absolute path/,
    );
    expect(() => validateProcessSpec(null)).toThrow(InvalidSpecError);
  });
});
