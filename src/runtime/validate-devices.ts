//! Validation of linux.devices (device nodes to create) and linux.resources.devices (device cgroup
//! allow/deny rules).

import type { Device, DeviceCgroupRule } from './spec';
import { childPath, compact, isAbsolutePath, type Obj, show, SpecReader, U32_MAX } from './validate-read';

const DEVICE_TYPES = ['c', 'b', 'u', 'p'] as const;
const RULE_TYPES = ['a', 'c', 'b'] as const;
/** Linux device numbers: 12-bit major, 20-bit minor. */
const MAJOR_MAX = 0xfff;
const MINOR_MAX = 0xfffff;

export function readDevices(r: SpecReader, linux: Obj): Device[] | undefined {
  const seen = new Map<string, number>();
  return r.array(
    linux,
    'devices',
    'linux',
    (item, path, index) => {
      const d = r.object(item, path);
      if (d === undefined) return undefined;
      const type = r.oneOf(d, 'type', path, DEVICE_TYPES, 'a device type', { required: 'use "c", "b", "u" or "p"' });
      const devPath = r.string(d, 'path', path, { required: 'give the absolute path inside the container, e.g. "/dev/fuse"' });
      if (devPath !== undefined && !isAbsolutePath(devPath)) {
        r.issue(childPath(path, 'path'), `${show(devPath)} is not an absolute path; start it with "/dev/"`);
      } else if (devPath !== undefined) {
        const first = seen.get(devPath);
        if (first !== undefined) r.issue(childPath(path, 'path'), `${show(devPath)} is already created by linux.devices[${first}]; keep one entry per path`);
        else seen.set(devPath, index);
      }
      const needNumbers = type !== undefined && type !== 'p' ? 'give the device number (a fifo, type "p", has none)' : undefined;
      const major = r.int(d, 'major', path, { min: 0, max: MAJOR_MAX, required: needNumbers });
      const minor = r.int(d, 'minor', path, { min: 0, max: MINOR_MAX, required: needNumbers });
      // permission bits; podman adds the node's file type bits (S_IFCHR|0666 = 8630), which runc takes too
      const FILE_TYPE: Readonly<Record<string, number>> = { c: 0o020000, u: 0o020000, b: 0o060000, p: 0o010000 };
      const fileModeExpect = 'must be permission bits from 0 to 4095 (0o7777), e.g. 438 for 0666, optionally with the device type\'s S_IFMT bits (8630 = S_IFCHR|0666 for "c")';
      let fileMode = r.int(d, 'fileMode', path, { min: 0, max: 0o177777, expect: fileModeExpect });
      if (fileMode !== undefined && fileMode > 0o7777) {
        const typeBits = fileMode & ~0o7777;
        if (type !== undefined && typeBits === FILE_TYPE[type]) {
          fileMode &= 0o7777;
        } else {
          r.issue(childPath(path, 'fileMode'), `${fileMode} ${fileModeExpect}`);
          fileMode = undefined;
        }
      }
      const uid = r.int(d, 'uid', path, { min: 0, max: U32_MAX });
      const gid = r.int(d, 'gid', path, { min: 0, max: U32_MAX });
      if (type === undefined || devPath === undefined || !isAbsolutePath(devPath)) return undefined;
      return compact<Device>({ type, path: devPath, major, minor, fileMode, uid, gid });
    },
    { what: 'an array of device objects' },
  );
}

export function readDeviceRules(r: SpecReader, resources: Obj, parent: string): DeviceCgroupRule[] | undefined {
  return r.array(
    resources,
    'devices',
    parent,
    (item, path) => {
      const d = r.object(item, path);
      if (d === undefined) return undefined;
      const allow = r.boolean(d, 'allow', path, { required: 'say whether the rule allows (true) or denies (false) access' });
      const type = r.oneOf(d, 'type', path, RULE_TYPES, 'a device rule type', {});
      // -1 is how some tools write "any"; it is normalised to absent.
      const number = (key: string, max: number): number | undefined => {
        const n = r.int(d, key, path, { min: -1, max, expect: `must be -1 (any) or an integer from 0 to ${max}` });
        return n === -1 ? undefined : n;
      };
      const major = number('major', MAJOR_MAX);
      const minor = number('minor', MINOR_MAX);
      const access = r.string(d, 'access', path);
      if (access !== undefined && !/^(?!.*(.).*\1)[rwm]*$/.test(access)) {
        r.issue(childPath(path, 'access'), `${show(access)} is not a device access set; use letters from "rwm", each once`);
      }
      if (allow === undefined) return undefined;
      return compact<DeviceCgroupRule>({ allow, type, major, minor, access });
    },
    { what: 'an array of device rules' },
  );
}
