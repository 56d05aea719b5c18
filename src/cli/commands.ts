//! The `tsrun` verbs: thin adapters from parsed command lines to the container library.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { createContainer, listContainers, loadContainer, parseSignal, removeIncompleteContainer } from '../container';
import type { Container, OciState, StdioFds } from '../container';
import { loadBundleSpec } from '../runtime/bundle';
import { consoleFor, type ConsolePlan } from './console';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, UnimplementedError } from '../errors';
import { defaultSpec, formatSpec } from '../runtime/default-spec';
import { featuresDocument, formatFeatures } from '../runtime/features';
import { hostLsm } from '../linux/host';
import type { ParsedCommandLine } from './args';
import { psTable, tabwrite, userNames } from './format';
import type { CliLog } from './log';
import { eventsCommand, updateCommand } from './control';
import { execCommand } from './exec';
import { checkpointCommand, restoreCommand } from './checkpoint';

export interface CliContext {
  readonly cmd: ParsedCommandLine;
  readonly log: CliLog;
  readonly root: string;
  readonly out: (text: string) => void;
  readonly version: string;
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

function stateJson(s: OciState): string {
  // runc prints its state with 2-space indentation and no trailing newline.
  return JSON.stringify(s, null, 2);
}

function preservedFds(raw: string | undefined): number[] {
  const n = Number(raw ?? '0');
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`--preserve-fds: must be a non-negative integer, got "${raw}"`);
  return Array.from({ length: n }, (_, i) => 3 + i);
}

async function create(ctx: CliContext, startMode: 'fifo' | 'pipe'): Promise<{ c: Container; tty: ConsolePlan | undefined }> {
  const { flags } = ctx.cmd;
  const bundle = str(flags.bundle) ?? process.cwd();
  const proc = (await loadBundleSpec(bundle)).spec.process;
  const pty = consoleFor(proc?.terminal === true, str(flags['console-socket']), startMode === 'fifo' || flags.detach === true);
  try {
    const c = await createWith(ctx, bundle, pty?.stdio ?? { stdin: 0, stdout: 1, stderr: 2 }, startMode);
    try {
      pty?.handOff();
    } catch (err) {
      await c.delete({ force: true }).catch(() => {});
      throw err;
    }
    return { c, tty: pty };
  } finally {
    pty?.close();
  }
}

async function createWith(ctx: CliContext, bundle: string, stdio: StdioFds, startMode: 'fifo' | 'pipe'): Promise<Container> {
  const { flags, args, global } = ctx.cmd;
  return createContainer({
    id: args[0]!,
    bundle,
    root: ctx.root,
    stdio,
    extraFds: preservedFds(str(flags['preserve-fds'])),
    pidFile: str(flags['pid-file']),
    noPivot: flags['no-pivot'] === true,
    systemdCgroup: global['systemd-cgroup'] === true,
    startMode,
    logger: ctx.log,
  });
}

const FORWARDED: readonly NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH', 'SIGCONT'];

export const commands: Record<string, (ctx: CliContext) => Promise<number>> = {
  async create(ctx) {
    const { c } = await create(ctx, 'fifo');
    c.detach();
    return 0;
  },

  async start(ctx) {
    const c = await loadContainer(ctx.root, ctx.cmd.args[0]!);
    await c.start();
    return 0;
  },

  async run(ctx) {
    const detach = ctx.cmd.flags.detach === true;
    const { c, tty } = await create(ctx, 'pipe');
    try {
      await c.start();
    } catch (err) {
      await tty?.finish();
      await c.delete({ force: true }).catch(() => {});
      throw err;
    }
    if (detach) {
      c.detach();
      return 0;
    }
    const forward = (sig: NodeJS.Signals): void => {
      c.kill(sig).catch(() => {});
    };
    for (const s of FORWARDED) process.on(s, forward);
    const exit = await c.exited!;
    for (const s of FORWARDED) process.off(s, forward);
    await tty?.finish();
    if (ctx.cmd.flags.keep !== true) await c.delete({ force: true });
    return exit.status;
  },

  async state(ctx) {
    const c = await loadContainer(ctx.root, ctx.cmd.args[0]!);
    ctx.out(stateJson({ ...c.state() }));
    return 0;
  },

  async kill(ctx) {
    const [id, sig] = ctx.cmd.args;
    const signo = parseSignal(sig ?? 'SIGTERM');
    const c = await loadContainer(ctx.root, id!);
    await c.kill(signo, { all: ctx.cmd.flags.all === true });
    return 0;
  },

  async delete(ctx) {
    const id = ctx.cmd.args[0]!;
    const force = ctx.cmd.flags.force === true;
    let c: Container;
    try {
      c = await loadContainer(ctx.root, id);
    } catch (err) {
      if (force && err instanceof NotFoundError) {
        removeIncompleteContainer(ctx.root, id); // runc: delete -f of a missing id is OK
        return 0;
      }
      throw err;
    }
    await c.delete({ force });
    return 0;
  },

  async list(ctx) {
    const format = str(ctx.cmd.flags.format) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new InvalidArgumentError('invalid format option');
    const all = await listContainers(ctx.root);
    if (ctx.cmd.flags.quiet === true) {
      ctx.out(all.map((c) => `${c.id}\n`).join(''));
      return 0;
    }
    const names = userNames();
    const rows = all.map((c) => {
      let uid = 0;
      try {
        uid = fs.statSync(path.join(ctx.root, c.id)).uid;
      } catch {
        // removed meanwhile
      }
      return { ...c.state(), owner: names.get(uid) ?? `#${uid}` };
    });
    if (format === 'json') {
      ctx.out(JSON.stringify(rows.map(({ annotations, ...rest }) => ({ ...rest, ...(annotations ? { annotations } : {}) }))) + '\n');
      return 0;
    }
    const table = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']];
    for (const r of rows) table.push([r.id, String(r.pid), r.status, r.bundle, r.created, r.owner]);
    ctx.out(tabwrite(table));
    return 0;
  },

  async ps(ctx) {
    const format = str(ctx.cmd.flags.format) ?? 'table';
    if (format !== 'table' && format !== 'json') throw new InvalidArgumentError('invalid format option');
    const c = await loadContainer(ctx.root, ctx.cmd.args[0]!);
    const pids = c.status() === 'stopped' ? [] : await c.pids();
    if (format === 'json') {
      ctx.out(JSON.stringify(pids) + '\n');
      return 0;
    }
    if (ctx.cmd.args.length > 1) {
      throw new UnimplementedError('ps: custom ps options are not supported; use the default columns or -f json');
    }
    ctx.out(psTable(pids));
    return 0;
  },

  async spec(ctx) {
    const dir = str(ctx.cmd.flags.bundle) ?? process.cwd();
    const file = path.join(dir, 'config.json');
    if (fs.existsSync(file)) throw new AlreadyExistsError('File config.json exists. Remove it first');
    const text = formatSpec(defaultSpec({ rootless: ctx.cmd.flags.rootless === true }));
    fs.writeFileSync(file, text, { mode: 0o666 });
    return 0;
  },

  exec: (ctx) => execCommand(ctx),

  async features(ctx) {
    ctx.out(formatFeatures(featuresDocument({ version: ctx.version, hostLsm: hostLsm() })));
    return 0;
  },

  async pause(ctx) {
    await (await loadContainer(ctx.root, ctx.cmd.args[0]!)).pause();
    return 0;
  },

  async resume(ctx) {
    await (await loadContainer(ctx.root, ctx.cmd.args[0]!)).resume();
    return 0;
  },

  async update(ctx) {
    await updateCommand(ctx.root, ctx.cmd.args[0]!, ctx.cmd.flags);
    return 0;
  },

  async events(ctx) {
    await eventsCommand(ctx.root, ctx.cmd.args[0]!, ctx.cmd.flags, ctx.out);
    return 0;
  },

  checkpoint: (ctx) => checkpointCommand(ctx),
  restore: (ctx) => restoreCommand(ctx),
};
