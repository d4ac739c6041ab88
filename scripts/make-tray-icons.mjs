// Draws the tray icons (one coloured disc per daemon state, 16×16 and @2x 32×32) as PNGs with zlib only.
// Run: node scripts/make-tray-icons.mjs  → build/icons/tray-<state>.png and tray-<state>@2x.png
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'build', 'icons');

/** Colour per state (see main/electron/tray-menu.ts trayIconFor). */
const STATES = {
  stopped: [0x9e, 0x9e, 0x9e],
  starting: [0x42, 0x8b, 0xf5],
  running: [0x2e, 0xb8, 0x4b],
  unhealthy: [0xf5, 0xb3, 0x00],
  backoff: [0xf5, 0x7c, 0x00],
  stopping: [0x42, 0x8b, 0xf5],
  failed: [0xe5, 0x39, 0x35],
};

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGBA disc with a darker rim and an anti-aliased edge; hollow centre for "stopped". */
function disc(size, [r, g, b], hollow) {
  const rows = [];
  const c = size / 2;
  const radius = size / 2 - size / 16;
  const rim = size / 8;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (none) + pixels
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - c, y + 0.5 - c);
      const edge = Math.min(1, Math.max(0, radius - d + 0.5));
      const inner = hollow ? Math.min(1, Math.max(0, d - (radius - rim) + 0.5)) : 1;
      const onRim = d > radius - rim;
      const shade = onRim ? 0.75 : 1;
      const o = 1 + x * 4;
      row[o] = Math.round(r * shade);
      row[o + 1] = Math.round(g * shade);
      row[o + 2] = Math.round(b * shade);
      row[o + 3] = Math.round(255 * edge * inner);
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

mkdirSync(OUT, { recursive: true });
for (const [state, rgb] of Object.entries(STATES)) {
  const hollow = state === 'stopped';
  writeFileSync(path.join(OUT, `tray-${state}.png`), disc(16, rgb, hollow));
  writeFileSync(path.join(OUT, `tray-${state}@2x.png`), disc(32, rgb, hollow));
}
console.log(`wrote ${Object.keys(STATES).length * 2} icons to ${OUT}`);
