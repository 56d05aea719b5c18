// CRI v1 wire facts the CRI tests rely on (field numbers as in k8s.io/cri-api), and the CRI log
// line parser of the test helpers.
import { ContainerStatus, RunPodSandboxRequest, StopContainerRequest } from '../../../src/gen/cri/runtime/v1/api';
import { parseCriLog } from '../../helpers/cri-pod';

describe('CRI v1 messages', () => {
  it('encodes RunPodSandboxRequest.runtime_handler as field 2 and config.linux.cgroup_parent as 8.1', () => {
    const bytes = RunPodSandboxRequest.encode(
      RunPodSandboxRequest.fromPartial({ runtimeHandler: 'tsrun', config: { linux: { cgroupParent: '/p' } } }),
    ).finish();
    // field 1 (config) 0a 06 { field 8 (linux) 42 04 { field 1 0a 02 "/p" } }, field 2 12 05 "tsrun"
    expect(Buffer.from(bytes).toString('hex')).toBe('0a0642040a022f70' + '1205747372756e');
  });

  it('encodes StopContainerRequest.timeout as an int64 varint field 2', () => {
    expect(Buffer.from(StopContainerRequest.encode({ containerId: 'c', timeout: 30n }).finish()).toString('hex')).toBe('0a0163101e');
  });

  it('decodes ContainerStatus.exit_code (field 7) and reason (field 10)', () => {
    // field 7 varint 38 03, field 10 string 52 05 "Error"
    const s = ContainerStatus.decode(Buffer.from('380352054572726f72', 'hex'));
    expect({ code: s.exitCode, reason: s.reason }).toEqual({ code: 3, reason: 'Error' });
  });
});

describe('parseCriLog', () => {
  it('parses full and partial lines of both streams', () => {
    const text = '2026-12-01T13:54:07.786001436Z stdout F hello world\n2026-12-01T13:54:07.8Z stderr P part\n2026-12-01T13:54:07+00:00 stdout F \n';
    expect(parseCriLog(text)).toEqual([
      { time: '2026-12-01T13:54:07.786001436Z', stream: 'stdout', tag: 'F', content: 'hello world' },
      { time: '2026-12-01T13:54:07.8Z', stream: 'stderr', tag: 'P', content: 'part' },
      { time: '2026-12-01T13:54:07+00:00', stream: 'stdout', tag: 'F', content: '' },
    ]);
  });

  it('names the first line that is not in the CRI format', () => {
    expect(() => parseCriLog('2026-12-01T13:54:07Z stdout F ok\nplain text\n')).toThrow('not a CRI log line: "plain text"');
  });
});
