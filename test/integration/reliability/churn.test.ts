// Issue 9 item 3: churn. A pod member keeps one tsrun shim alive while `ctr run --rm` containers
// churn through that pod (sequentially, then concurrently), and others churn through shims of
// their own. Afterwards the long-lived shim has exactly the fds it had before (the open fd
// table, counted in /proc/<pid>/fd after a warm-up), no zombie children, and nothing is left of
// the churned containers: bundles, tsrun state dirs, mounts, cgroups, processes, FIFOs. The
// shim's RSS before, peak (sampled during the churn) and after are reported.
// Sizes: reduced by default (CI on 2 cores); TSRUN_SOAK=1 (`make soak`) runs the full ones.
// With TSRUN_DEBUG_MEMORY=<dir> in the environment (inherited by the containerds and their shims)
// the pod shim also reports its memory (src/shim/memory-report.ts) after the warm-up and at the
// end: RSS vs JS heap after a full GC vs malloc in use/free (the report ends with malloc_trim, so
// it is taken only twice). Its RSS is printed every PROBE_EVERY sequential runs.
import { ctr, ctrRun, describeHarness } from '../../helpers/containerd';
import { uniqueId } from '../../helpers/env';
import { runCase } from '../shim/suite';
import { alive, taskList, TSRUN } from '../shim/support';
import { bundles, fds, figure, GROUP, leftovers, memoryFigures, rssKiB, shimMemoryReport, size, startDetached, tsrunStateDirs, zombieChildren } from './support';

// TSRUN_CHURN_SEQ_POD overrides the sequential pod runs (memory experiments).
const SEQ_POD = Number(process.env.TSRUN_CHURN_SEQ_POD ?? '') || size(100, 1000);
const PROBE_EVERY = 100;
const SEQ_SOLO = size(20, 200);
const CONC_POD = size(50, 200);
const CONC_SOLO = size(10, 50);

describeHarness('reliability: churn through a long-lived pod shim and through shims of their own', (h) => {
  it(`${SEQ_POD} sequential + ${CONC_POD} concurrent runs in the pod, ${SEQ_SOLO} + ${CONC_SOLO} in their own shims: nothing leaks`, () =>
    runCase(h, TSRUN, {
      name: 'churn',
      run: async ({ res }) => {
        const t0 = Date.now();
        const group = res.container('churn-group');
        const anchor = await startDetached(h, TSRUN, res, 'anchor', ['sleep', '100000'], { group });
        const shim = anchor.shimPid;
        const churned: string[] = [];
        // Churned containers remove themselves (--rm); whatever a failure leaves is removed here.
        res.defer('churned containers', async () => {
          const ls = await ctr(h, ['containers', 'ls', '-q']);
          for (const id of ls.stdout.split('\n').filter((x) => churned.includes(x))) {
            await ctr(h, ['task', 'rm', '-f', id]);
            await ctr(h, ['container', 'rm', id]);
          }
        });
        const runOne = async (inPod: boolean, i: number): Promise<void> => {
          const id = uniqueId(inPod ? 'cp' : 'cs');
          churned.push(id);
          const r = await ctrRun(
            h,
            { id, runtime: TSRUN, args: ['sh', '-c', `echo run ${i}`], flags: inPod ? ['--annotation', `${GROUP}=${group}`] : [] },
            { timeoutMs: 300_000 },
          );
          if (r.code !== 0 || r.stdout !== `run ${i}\n`) throw new Error(`run ${i} (${id}): code ${r.code} stdout ${JSON.stringify(r.stdout)} stderr ${r.stderr}`);
        };
        let peakRss = 0;
        const sample = (): void => {
          if (alive(shim)) peakRss = Math.max(peakRss, rssKiB(shim));
        };
        // Warm-up: what the shim opens once (event connection, log, epoll) is in the baseline.
        for (let i = 0; i < 3; i++) await runOne(true, i);
        const probe = async (at: string): Promise<void> => {
          const r = await shimMemoryReport(shim);
          if (r !== undefined) figure(`churn memory on containerd ${h.version} ${at}`, { ...memoryFigures(r), tables: r.tables });
        };
        await probe('after warm-up');
        const fdsBefore = fds(shim);
        const rssBefore = rssKiB(shim);
        const bundlesBefore = bundles(h);
        const stateBefore = tsrunStateDirs(h);

        const rssSeries: number[] = [Math.round(rssBefore / 102.4) / 10];
        const timer = setInterval(sample, 200);
        res.defer('rss sampler', () => clearInterval(timer));
        const tSeq = Date.now();
        for (let i = 0; i < SEQ_POD; i++) {
          await runOne(true, i);
          if ((i + 1) % PROBE_EVERY === 0) rssSeries.push(Math.round(rssKiB(shim) / 102.4) / 10);
        }
        const seqPodMs = Date.now() - tSeq;
        const tConc = Date.now();
        await Promise.all(Array.from({ length: CONC_POD }, (_, i) => runOne(true, i)));
        const concPodMs = Date.now() - tConc;
        const tSolo = Date.now();
        for (let i = 0; i < SEQ_SOLO; i++) await runOne(false, i);
        await Promise.all(Array.from({ length: CONC_SOLO }, (_, i) => runOne(false, i)));
        const soloMs = Date.now() - tSolo;
        clearInterval(timer);
        sample();

        const fdsAfter = fds(shim);
        const rssAfter = rssKiB(shim);
        await probe('at the end');
        const report = {
          runs: churned.length,
          fdsBefore: fdsBefore.length,
          fdsAfter: fdsAfter.length,
          rssKiB: { before: rssBefore, peak: peakRss, after: rssAfter },
          [`rssMiBEvery${PROBE_EVERY}Sequential`]: rssSeries,
          ms: { seqPod: seqPodMs, concPod: concPodMs, solo: soloMs, total: Date.now() - t0 },
        };
        figure(`churn on containerd ${h.version}`, report);
        expect((await taskList(h)).get(anchor.id)).toEqual({ pid: anchor.pid, status: 'RUNNING' });
        expect(alive(shim)).toBe(true);
        // Same number of fds and the same kinds (pipe/socket inodes may be new ones).
        const kinds = (l: string[]): string[] => l.map((x) => x.replace(/\[\d+\]/, '[]')).sort();
        expect({ count: fdsAfter.length, kinds: kinds(fdsAfter) }).toEqual({ count: fdsBefore.length, kinds: kinds(fdsBefore) });
        expect(zombieChildren(shim)).toEqual([]);
        expect(bundles(h)).toEqual(bundlesBefore);
        expect(tsrunStateDirs(h)).toEqual(stateBefore);
        expect(await leftovers(churned)).toEqual([]);
      },
    }), SEQ_POD * 5_000 + 600_000);
});
