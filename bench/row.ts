// One row of the benchmark table: every bench section returns these, bench/run.ts prints and saves them.
export interface Row {
  metric: string;
  ours: string;
  reference: string;
  ratio: string;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
