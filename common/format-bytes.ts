// Byte counts as people and `ctr` read them: "512 B", "1.5 KiB", "2.0 MiB", "63 KiB" (binary units).

/** One decimal below 10 of a unit, whole numbers above. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${v} B`;
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
