//! The suite's chart as SVG (no plotting dependency): one group of horizontal bars per row, the
//! ratio tsrun / runc per pod and node-wide, on a log scale with 1× (parity with runc) marked.

export interface ChartRow {
  readonly label: string;
  readonly perPod: number | undefined;
  readonly nodeWide: number | undefined;
  /** throughput rows: a ratio above 1 is better */
  readonly higherBetter: boolean;
}

const W = 860;
const LEFT = 330;
const BAR = 16;
const GAP = 14;
const MIN = 0.05;
const MAX = 20;

function x(ratio: number): number {
  const r = Math.min(MAX, Math.max(MIN, ratio));
  return LEFT + ((Math.log10(r) - Math.log10(MIN)) / (Math.log10(MAX) - Math.log10(MIN))) * (W - LEFT - 60);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function renderChart(rows: readonly ChartRow[]): string {
  const top = 50;
  const group = 2 * BAR + GAP;
  const height = top + rows.length * group + 50;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">tsrun / runc (median ratio; log scale; left of 1× is better except throughput)</text>`,
    `<rect x="${LEFT}" y="28" width="12" height="10" fill="#4878d0"/><text x="${LEFT + 16}" y="37">tsrun per pod</text>`,
    `<rect x="${LEFT + 120}" y="28" width="12" height="10" fill="#ee854a"/><text x="${LEFT + 136}" y="37">tsrun node-wide</text>`,
  ];
  for (const tick of [0.1, 0.25, 0.5, 1, 2, 5, 10]) {
    out.push(`<line x1="${x(tick)}" y1="${top - 5}" x2="${x(tick)}" y2="${height - 40}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`);
    out.push(`<text x="${x(tick)}" y="${height - 25}" text-anchor="middle">${tick}×</text>`);
  }
  rows.forEach((row, i) => {
    const y = top + i * group;
    out.push(`<text x="${LEFT - 8}" y="${y + BAR + 4}" text-anchor="end">${esc(row.label)}${row.higherBetter ? ' (higher better)' : ''}</text>`);
    ([['perPod', '#4878d0'], ['nodeWide', '#ee854a']] as const).forEach(([k, color], j) => {
      const v = row[k];
      if (v === undefined) return;
      const y0 = y + j * BAR;
      const x0 = x(Math.min(1, v));
      const x1 = x(Math.max(1, v));
      out.push(`<rect x="${Math.min(x0, x(1))}" y="${y0}" width="${Math.max(1, x1 - x0)}" height="${BAR - 2}" fill="${color}"/>`);
      out.push(`<text x="${x1 + 4}" y="${y0 + BAR - 4}">${v.toFixed(2)}×</text>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
