//! Jest global teardown of the integration project: stops the private containerds (by pid; their
//! leftover tasks, shims, mounts and cgroups are cleaned by stop.sh) and removes the run's temp
//! dir. TSRUN_KEEP_TEST_ENV=1 keeps the temp dir (logs, configs) for debugging.
import * as fs from 'fs';
import { stopContainerd } from './containerd';
import { describeResult } from './exec';
import { ENV_FILE_VAR, TestEnv } from './env';
import { mountsUnder } from './leaks';

export default async function globalTeardown(): Promise<void> {
  const file = process.env[ENV_FILE_VAR];
  if (!file || !fs.existsSync(file)) return;
  const env = JSON.parse(fs.readFileSync(file, 'utf8')) as TestEnv;
  const problems: string[] = [];
  for (const h of env.containerds) {
    const r = await stopContainerd(env.repo, h.dir, false);
    if (r.code !== 0) problems.push(describeResult(r));
  }
  const mounts = mountsUnder(env.tmpDir);
  if (mounts.length > 0) {
    problems.push(`mounts left under ${env.tmpDir} (not removing it):\n  ${mounts.join('\n  ')}`);
  } else if (process.env.TSRUN_KEEP_TEST_ENV === '1') {
    process.stderr.write(`global teardown: kept ${env.tmpDir} (TSRUN_KEEP_TEST_ENV=1)\n`);
  } else {
    fs.rmSync(env.tmpDir, { recursive: true, force: true });
  }
  delete process.env[ENV_FILE_VAR];
  if (problems.length > 0) throw new Error(`global teardown:\n${problems.join('\n')}`);
}
