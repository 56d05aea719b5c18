// The cgroup v2 suite (test/guest/*.guest.ts) on a pure cgroup v2 hierarchy: directly when this
// host is pure v2, otherwise inside the cg2rig QEMU guest (v1/hybrid hosts such as CI's). Without
// the rig this fails and says to run scripts/cg2rig/setup.sh.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectCgroupHost } from '../../../src/cgroups';
import { Cg2Rig, REPO, rigStatus, type RigResult } from '../../helpers/cg2rig';

const host = detectCgroupHost();
const pureV2 = host.mode === 'unified';
const SUITE_TESTS = 9 + 3 + 2; // tests in test/guest/cgroups-v2.guest.ts + devices-v2.guest.ts + control-v2.guest.ts: the guest must run all of them

let rig: Cg2Rig | undefined;

beforeAll(async () => {
  if (!pureV2 && rigStatus().ready) rig = await Cg2Rig.boot();
}, 240_000);

afterAll(async () => {
  await rig?.close();
}, 120_000);

interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numTotalTests: number;
  testResults: { name: string; status: string; message: string }[];
}

function jestCommand(reportFile: string): string {
  return `'${process.execPath}' node_modules/jest/bin/jest.js -c test/guest/jest.config.js --ci --json --outputFile '${reportFile}'`;
}

it('runs the cgroup v2 suite on a pure cgroup v2 hierarchy', async () => {
  let result: RigResult;
  let reportDir: string;
  if (pureV2) {
    reportDir = mkdtempSync(join(tmpdir(), 'tsrun-v2-'));
    const r = spawnSync('/bin/sh', ['-c', jestCommand(join(reportDir, 'report.json'))], { cwd: REPO, encoding: 'utf8' });
    result = { code: r.status ?? 255, stdout: r.stdout, stderr: r.stderr };
  } else {
    const status = rigStatus();
    if (!status.ready) throw new Error(status.reason);
    if (!rig) throw new Error('cg2rig: the guest did not boot (see beforeAll)');
    reportDir = rig.shareDir;
    result = await rig.run(jestCommand(join(reportDir, 'report.json')));
  }
  let report: JestReport;
  try {
    report = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as JestReport;
  } catch {
    throw new Error(`the v2 suite wrote no report (exit ${result.code}):\n${result.stderr}\n${result.stdout}`);
  } finally {
    if (pureV2) rmSync(reportDir, { recursive: true, force: true });
  }
  const failures = report.testResults.filter((t) => t.status !== 'passed').map((t) => `${t.name}:\n${t.message}`);
  if (report.numFailedTests > 0 || failures.length > 0 || result.code !== 0) {
    throw new Error(`v2 suite: ${report.numPassedTests} passed, ${report.numFailedTests} failed (exit ${result.code})\n${failures.join('\n')}\n${result.stderr.slice(-8000)}`);
  }
  expect(report.numPassedTests).toBe(SUITE_TESTS);
}, 900_000);

if (!pureV2) {
  it('passes exit status, stdout and stderr back from the guest, which has a pure cgroup v2 hierarchy', async () => {
    const status = rigStatus();
    if (!status.ready) throw new Error(status.reason);
    if (!rig) throw new Error('cg2rig: the guest did not boot (see beforeAll)');
    const r = await rig.run('cat /sys/fs/cgroup/cgroup.controllers; grep -c " cgroup " /proc/self/mountinfo; echo err >&2; exit 3');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^.*\bmemory\b.*\n0\n$/);
    expect(r.stderr).toBe('err\n');
  }, 120_000);
}
