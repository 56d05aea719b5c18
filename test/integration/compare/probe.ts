//! What the container reports about itself: a busybox `sh -c` script printing one section per
//! aspect ("@@@ name" then the raw output), and the parser that splits the output back into
//! sections. The script only reads; the "readonly" section opens files for writing without
//! writing anything (touch), so probing /proc/sysrq-trigger is harmless even if it were writable.

export type Section =
  | 'status'
  | 'id'
  | 'hostname'
  | 'pid'
  | 'env'
  | 'cwd'
  | 'umask'
  | 'limits'
  | 'cgroup'
  | 'mountinfo'
  | 'masked'
  | 'readonly'
  | 'rootfs'
  | 'devices';

export const ALL_SECTIONS: readonly Section[] = [
  'status',
  'id',
  'hostname',
  'pid',
  'env',
  'cwd',
  'umask',
  'limits',
  'cgroup',
  'mountinfo',
  'masked',
  'readonly',
  'rootfs',
  'devices',
];

const MARK = '@@@ ';

/** Single-quotes a word for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ProbeOptions {
  readonly sections: readonly Section[];
  /** Paths the "masked" section inspects (usually the config's linux.maskedPaths). */
  readonly masked?: readonly string[];
  /** Paths the "readonly" section tries to open for writing (linux.readonlyPaths and more). */
  readonly readonly?: readonly string[];
  /** Shell run after the sections (its output lands in section "tail"); default `exit 0`. */
  readonly tail?: string;
}

function sectionScript(s: Section, o: ProbeOptions): string {
  switch (s) {
    case 'status':
      return `grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Groups|Seccomp):' /proc/self/status`;
    case 'id':
      return 'id';
    case 'hostname':
      return 'hostname';
    case 'pid':
      return 'echo $$';
    case 'env':
      return 'env | sort';
    case 'cwd':
      return 'pwd';
    case 'umask':
      return 'umask';
    case 'limits':
      return 'cat /proc/self/limits';
    case 'cgroup':
      return 'cat /proc/self/cgroup';
    case 'mountinfo':
      return 'cat /proc/self/mountinfo';
    case 'masked':
      // Type, and how many bytes/entries a read yields (head -c: an unmasked /proc/kcore is huge).
      return `for p in ${(o.masked ?? []).map(shQuote).join(' ')}; do
  if [ -d "$p" ]; then echo "$p dir entries=$(ls -A "$p" 2>&1 | wc -l)"
  elif [ -e "$p" ]; then echo "$p $(stat -c %F "$p") bytes=$(head -c 64 "$p" 2>/dev/null | wc -c) read=$(head -c 1 "$p" >/dev/null 2>&1 && echo ok || echo fails)"
  else echo "$p absent"; fi
done`;
    case 'readonly':
      return `for p in ${(o.readonly ?? []).map(shQuote).join(' ')}; do
  if out=$(touch "$p" 2>&1); then echo "$p writable"; else echo "$p \${out##*: }"; fi
done`;
    case 'devices':
      // The default devices: type, major:minor, mode, owner; that they work; what /dev holds.
      return `for d in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; do stat -c '%n %F %t:%T %a %u:%g' "$d" 2>&1; done
echo "zero: $(head -c 4 /dev/zero 2>&1 | wc -c) null: $(echo x 2>&1 > /dev/null && echo ok) urandom: $(head -c 4 /dev/urandom 2>&1 | wc -c)"
echo "dev: $(ls -A /dev | sort | tr '\\n' ' ')"`;
    case 'rootfs':
      return `if out=$(touch /.probe-write 2>&1); then echo "/ writable"; rm -f /.probe-write; else echo "/ \${out##*: }"; fi`;
  }
}

/** The `sh -c` script for `opts`. */
export function probeScript(opts: ProbeOptions): string {
  const parts = opts.sections.map((s) => `echo '${MARK}${s}'\n${sectionScript(s, opts)}`);
  parts.push(`echo '${MARK}tail'\n${opts.tail ?? 'exit 0'}`);
  return parts.join('\n');
}

/** Splits probe output into sections (text before the first marker goes to ""). */
export function parseSections(out: string): Record<string, string> {
  const res: Record<string, string> = {};
  let name = '';
  let lines: string[] = [];
  const flush = (): void => {
    if (name !== '' || lines.length > 0) res[name] = lines.join('\n');
  };
  for (const line of out.replace(/\n$/, '').split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      name = line.slice(MARK.length);
      lines = [];
    } else {
      lines.push(line);
    }
  }
  flush();
  return res;
}
