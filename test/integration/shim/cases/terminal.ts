//! Terminals through `ctr run -t` and `ctr task exec -t`. ctr insists on a terminal as its stdin, so
//! it runs on a pty of our own (openpty from src/linux): the window size set on it is what ctr
//! sends with ResizePty; we read what ctr prints and type input at it.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { ctrOk } from '../../../helpers/containerd';
import type { ContainerdHandle } from '../../../helpers/env';
import { testEnv } from '../../../helpers/env';
import { closeFd, openpty, setWinsize } from '../../../../src/linux';
import { Resources, runFlags, ShimCase, waitFor, waitForTask, writeSpec } from '../support';

/** Run ctr on a fresh pty of `rows`x`cols`; `input` is typed once the output shows `ready`. */
async function ctrOnPty(
  h: ContainerdHandle, res: Resources, args: string[], rows: number, cols: number, input?: string,
  /** called on every output chunk until it returns true; `type` writes at the terminal */
  onOutput?: (out: string, type: (text: string) => void) => Promise<boolean>,
): Promise<{ code: number | null; out: string }> {
  const pty = openpty();
  setWinsize(pty.master, rows, cols);
  const child = spawn(h.ctr, ['--address', h.address, '--namespace', h.namespace, ...args], { stdio: [pty.slave, pty.slave, pty.slave] });
  res.process(child);
  closeFd(pty.slave);
  let out = '';
  const reader = new tty.ReadStream(pty.master);
  const readerDone = new Promise<void>((resolve) => reader.once('close', () => resolve()));
  reader.on('data', (b: Buffer) => (out += b.toString('utf8')));
  reader.on('error', () => reader.destroy()); // EIO: every slave fd is closed
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hooked: Promise<void> = Promise.resolve();
  if (onOutput !== undefined) {
    let busy = false;
    let done = false;
    hooked = new Promise<void>((resolve, reject) => {
      reader.on('data', () => {
        if (busy || done) return;
        busy = true;
        onOutput(out.replace(/\r/g, ''), (text) => fs.writeSync(pty.masterDup, text)).then((finished) => {
          busy = false;
          if (finished) {
            done = true;
            resolve();
          }
        }, reject);
      });
    });
  }
  try {
    if (input !== undefined) {
      await waitFor('ready on the terminal', () => (/ready/.test(out) ? true : undefined));
      fs.writeSync(pty.masterDup, input);
    }
    await Promise.race([hooked, exited]);
    const code = await exited;
    await readerDone;
    return { code, out: out.replace(/\r/g, '') };
  } finally {
    reader.destroy();
    closeFd(pty.masterDup);
  }
}

/** sh that waits until ResizePty has reached its terminal (ctr resizes right after start; busybox
 * stty size only complains, exit status 0, while the size is 0x0). */
const WAIT_SIZED = "until stty size 2>/dev/null | grep -q '^[1-9]'; do sleep 0.05; done; ";

export const TERMINAL_CASES: readonly ShimCase[] = [
  {
    name: 'ctr run -t: stdin/stdout are a terminal (the controlling one, /dev/console bound), sized by ResizePty',
    run: async ({ h, runtime, res }) => {
      const id = res.container('tty-run');
      const script = '[ -t 0 ] && [ -t 1 ] && echo tty-yes; stty size; [ -c /dev/console ] && echo console-yes; ' +
        'echo pgrp $(cut -d" " -f5,8 /proc/self/stat | awk \'{print ($1==$2)?"fg":"bg"}\'); exit 3';
      const r = await ctrOnPty(h, res, ['run', '-t', '--rm', ...runFlags(runtime), testEnv().image.ref, id, 'sh', '-c', WAIT_SIZED + script], 33, 77);
      expect(r).toEqual({ code: 3, out: 'tty-yes\n33 77\nconsole-yes\npgrp fg\n' });
    },
  },
  {
    name: 'ctr task exec -t: a terminal for the exec, sized by ResizePty, input typed at it reaches the process',
    run: async ({ h, runtime, res }) => {
      const id = res.container('tty-exec');
      await ctrOk(h, ['run', '-d', ...runFlags(runtime), testEnv().image.ref, id, 'sleep', '1000']);
      await waitForTask(h, id, 'RUNNING');
      // tty names the terminal only when the pty is in the container's devpts (runc allocates it there)
      const script = '[ -t 0 ] && echo tty-yes; tty >/dev/null && echo has-name; stty size; echo ready; read line; echo got $line; exit 5';
      const r = await ctrOnPty(h, res, ['task', 'exec', '-t', '--fifo-dir', testEnv().fifoDir, '--exec-id', 't1', id, 'sh', '-c', WAIT_SIZED + script], 20, 50, 'hello\r');
      expect(r).toEqual({ code: 5, out: 'tty-yes\nhas-name\n20 50\nready\nhello\ngot hello\n' });
    },
  },
  {
    name: 'ctr run -t as a non-root user: the pty slave is owned by that user (gid of the devpts: tty), reopening it works',
    run: async ({ h, runtime, res }) => {
      const id = res.container('tty-user');
      const spec = await writeSpec(h, id, res.dir('spec'), {
        args: ['sh', '-c', 'stat -c "%u %g %a" $(tty) && echo hi > /proc/self/fd/1 && echo hi-err > /dev/stderr'],
        edit: (s) => {
          s.process.user = { uid: 1000, gid: 1000 };
          s.process.terminal = true;
        },
      });
      const r = await ctrOnPty(h, res, ['run', '-t', '--rm', ...runFlags(runtime), '--config', spec, id], 24, 80);
      expect(r).toEqual({ code: 0, out: '1000 5 620\nhi\nhi-err\n' });
    },
  },
  {
    name: 'ctr run -t / exec -t: the ptys come from the container\'s own devpts (tty /dev/pts/0, /dev/console bound from it; the exec gets /dev/pts/1)',
    run: async ({ h, runtime, res }) => {
      const id = res.container('tty-devpts');
      // the init's pty: its name, what fd 0 links to, /dev/console (device, mode, owner) and whether
      // /dev/console and /dev/pts/ptmx are on one filesystem (the container's devpts instance)
      const script = 'tty; readlink /proc/self/fd/0; stat -c "%t:%T %a %u" /dev/console; ' +
        '[ "$(stat -c %d /dev/console)" = "$(stat -c %d /dev/pts/ptmx)" ] && echo same-devpts; echo /dev/pts/*; ' +
        'echo ready; read line; exit 0';
      const run = new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        ctrOnPty(h, res, ['run', '-t', '--rm', ...runFlags(runtime), testEnv().image.ref, id, 'sh', '-c', script], 24, 80, undefined, async (out, type) => {
          if (!/ready/.test(out)) return false;
          const ex = await ctrOnPty(h, res, ['task', 'exec', '-t', '--fifo-dir', testEnv().fifoDir, '--exec-id', 't1', id, 'sh', '-c', WAIT_SIZED + 'tty; echo /dev/pts/*'], 24, 80);
          type(`${JSON.stringify(ex)}\r`);
          return true;
        }).then(resolve, reject);
      });
      const r = await run;
      expect(r.code).toBe(0);
      const lines = r.out.split('\n');
      expect(lines.slice(0, 6)).toEqual(['/dev/pts/0', '/dev/pts/0', '88:0 620 0', 'same-devpts', '/dev/pts/0 /dev/pts/ptmx', 'ready']);
      const typed = lines.find((l) => l.startsWith('{'));
      expect(typed === undefined ? undefined : JSON.parse(typed)).toEqual({ code: 0, out: '/dev/pts/1\n/dev/pts/0 /dev/pts/1 /dev/pts/ptmx\n' });
    },
  },
];
