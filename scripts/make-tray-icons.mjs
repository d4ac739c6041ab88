// Draws the tray icons as PNGs with zlib only: a disc per daemon state with a glyph knocked out of it
// (✓ ! × … ■ ❚❚, a ring when stopped), so the SHAPE tells the state even in a monochrome tray.
// Run: node scripts/make-tray-icons.mjs  → build/icons/tray-<state>.png and tray-<state>@2x.png
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const OUT = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'build', 'icons');

/** Distance from p to the segment a–b. */
function seg(px, py, ax, ay, bx, by) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Glyphs in unit coordinates (disc radius 1, y down): true where the glyph is cut out. */
const GLYPHS = {
  check: (x, y) =>
    seg(x, y, -0.45, 0.02, -0.12, 0.35) < 0.17 || seg(x, y, -0.12, 0.35, 0.48, -0.32) < 0.17,
  bang: (x, y) => seg(x, y, 0, -0.55, 0, 0.1) < 0.17 || Math.hypot(x, y - 0.45) < 0.13,
  cross: (x, y) => seg(x, y, -0.4, -0.4, 0.4, 0.4) < 0.16 || seg(x, y, -0.4, 0.4, 0.4, -0.4) < 0.16,
  dots: (x, y) => [-0.45, 0, 0.45].some((cx) => Math.hypot(x - cx, y) < 0.15),
  square: (x, y) => Math.abs(x) < 0.34 && Math.abs(y) < 0.34,
  pause: (x, y) => Math.abs(y) < 0.4 && ((x > -0.36 && x < -0.1) || (x > 0.1 && x < 0.36)),
  ring: (x, y) => Math.hypot(x, y) < 0.6,
};

/** Colour and glyph per state (see main/electron/tray-menu.ts trayIconFor). */
const STATES = {
  stopped: { rgb: [0x8c, 0x95, 0x9f], glyph: 'ring' },
  starting: { rgb: [0x1f, 0x6f, 0xeb], glyph: 'dots' },
  running: { rgb: [0x1a, 0x9f, 0x3f], glyph: 'check' },
  unhealthy: { rgb: [0xe0, 0x9b, 0x00], glyph: 'bang' },
  backoff: { rgb: [0xe0, 0x6c, 0x00], glyph: 'pause' },
  stopping: { rgb: [0x82, 0x50, 0xdf], glyph: 'square' },
  failed: { rgb: [0xd9, 0x2d, 0x20], glyph: 'cross' },
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

/** An RGBA disc with the glyph knocked out, anti-aliased by 4×4 supersampling. */
function icon(size, [r, g, b], glyph) {
  const cut = GLYPHS[glyph];
  const rows = [];
  const N = 4;
  const radius = size / 2 - size / 32;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4); // filter byte 0 (none) + pixels
    for (let x = 0; x < size; x++) {
      let cover = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const ux = (x + (sx + 0.5) / N - size / 2) / radius;
          const uy = (y + (sy + 0.5) / N - size / 2) / radius;
          if (Math.hypot(ux, uy) <= 1 && !cut(ux, uy)) cover++;
        }
      }
      const o = 1 + x * 4;
      row[o] = r;
      row[o + 1] = g;
      row[o + 2] = b;
      row[o + 3] = Math.round((255 * cover) / (N * N));
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
for (const [state, { rgb, glyph }] of Object.entries(STATES)) {
  writeFileSync(path.join(OUT, `tray-${state}.png`), icon(16, rgb, glyph));
  writeFileSync(path.join(OUT, `tray-${state}@2x.png`), icon(32, rgb, glyph));
}
console.log(`wrote ${Object.keys(STATES).length * 2} icons to ${OUT}`);
