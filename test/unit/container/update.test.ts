import { dropUnchanged, mergeResources, updateWrites } from '../../../src/container/update';
import { parseResourcesJson } from '../../../src/runtime/validate-update';

describe('update semantics (runc update)', () => {
  it('merges only what the update names, keeps devices', () => {
    const current = {
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 100n, swap: 200n },
      cpu: { shares: 1024n, cpus: '0-1' },
      pids: { limit: 10n },
    };
    expect(mergeResources(current, { memory: { limit: 150n }, cpu: { quota: 5000n } })).toEqual({
      devices: [{ allow: false, access: 'rwm' }],
      memory: { limit: 150n, swap: 200n },
      cpu: { shares: 1024n, cpus: '0-1', quota: 5000n },
      pids: { limit: 10n },
    });
    expect(mergeResources(undefined, { pids: { limit: 5n } })).toEqual({ pids: { limit: 5n } });
    expect(updateWrites({ devices: [{ allow: true, access: 'r' }], pids: { limit: 5n } })).toEqual({ pids: { limit: 5n } });
  });

  it('treats zero values as unchanged, like runc update -r and containerd full resources', () => {
    const patch = parseResourcesJson(
      '{"memory":{"limit":33554432,"reservation":0,"swap":0},"cpu":{"shares":0,"quota":0,"period":0,"cpus":"","mems":""},"blockIO":{"weight":0}}',
      'test',
    );
    expect(dropUnchanged(patch)).toEqual({ memory: { limit: 33554432n } });
  });

  it('validates resources JSON and names the source and the field', () => {
    expect(() => parseResourcesJson('{"memory":{"limit":"x"}}', '--resources r.json')).toThrow(/^--resources r.json: memory.limit: must be -1/);
    expect(() => parseResourcesJson('[1]', 'Task.Update')).toThrow('Task.Update: (root): must be a JSON object');
    expect(() => parseResourcesJson('{oops', 'Task.Update')).toThrow(/^Task.Update: \(root\): is not valid JSON/);
    expect(parseResourcesJson('{"memory":{"limit":9223372036854771712}}', 'x')).toEqual({ memory: { limit: 9223372036854771712n } });
  });
});
