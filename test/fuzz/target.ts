// A fuzz target: a named fast-check property with its own setup and teardown, run by the seeded
// unit tests (test/unit/fuzz) and by the big run (scripts/fuzz.sh → test/fuzz/main.ts).
import fs from 'node:fs';
import fc from 'fast-check';

export interface FuzzTarget {
  readonly name: string;
  /** Run the property; setup and teardown happen inside. */
  check(params: fc.Parameters<unknown>): Promise<fc.RunDetails<unknown>>;
}

/** A target over a synchronous property. */
export function syncTarget<T>(name: string, property: () => fc.IProperty<T>): FuzzTarget {
  return {
    name,
    check: async (params) => fc.check(property(), params as fc.Parameters<T>) as fc.RunDetails<unknown>,
  };
}

/** A target over an async predicate that needs a fixture (a server, a client) for the whole run. */
export function asyncTarget<F, T>(
  name: string,
  setup: () => Promise<F>,
  input: fc.Arbitrary<T>,
  predicate: (fixture: F, value: T) => Promise<void>,
  teardown: (fixture: F) => Promise<void>,
): FuzzTarget {
  return {
    name,
    check: async (params) => {
      const fixture = await setup();
      try {
        let n = 0;
        const trace = process.env.FUZZ_TRACE !== undefined && process.env.FUZZ_TRACE !== '';
        const prop = fc.asyncProperty(input, async (value) => {
          const started = Date.now();
          n++;
          if (process.env.FUZZ_TRACE === 'all') fs.writeSync(2, `${name}: case ${n} ${fc.stringify(value).slice(0, 300)}\n`);
          const stuck = trace ? setTimeout(() => console.log(`${name}: case ${n} still running after 5 s: ${fc.stringify(value).slice(0, 4000)}`), 5000) : undefined;
          try {
            await predicate(fixture, value);
          } finally {
            clearTimeout(stuck);
            const ms = Date.now() - started;
            if (trace && ms > 1000) console.log(`${name}: case ${n} took ${ms} ms: ${fc.stringify(value).slice(0, 2000)}`);
          }
        });
        // a case that takes over 30 s counts as a hang
        return (await fc.check(prop, { timeout: 30_000, ...params } as fc.Parameters<[T]>)) as fc.RunDetails<unknown>;
      } finally {
        await teardown(fixture);
      }
    },
  };
}

/** The default seed of the seeded runs; FUZZ_SEED overrides it. */
export const DEFAULT_SEED = 0x7a5e11;

export function seedFromEnv(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED=${raw}: must be an integer`);
  return seed;
}

/** fast-check's report plus the command that replays the failure. */
export function failureReport(target: FuzzTarget, details: fc.RunDetails<unknown>): string {
  const report = clip(fc.defaultReportMessage(details) ?? 'failed without a report', 2500);
  const error = details.errorInstance instanceof Error ? (details.errorInstance.stack ?? details.errorInstance.message) : String(details.errorInstance);
  const replay = `FUZZ_TARGET=${target.name} FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ''} make fuzz`;
  return `${target.name}: ${report}\nerror: ${clip(error, 3000)}\nreplay: ${replay}`;
}

/** Run `target` with a fixed seed and `numRuns` cases; throws the report when it fails. */
export async function runSeeded(target: FuzzTarget, numRuns: number): Promise<void> {
  const details = await target.check({ seed: seedFromEnv(), numRuns, endOnFailure: false });
  if (details.failed) throw new Error(failureReport(target, details));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
