// Line assembly: chunks of bytes from a log file become parsed lines, each once, in order, with long lines cut to a bounded head.
import { describe, expect, it } from 'vitest';
import { LineAssembler, utf8Cut } from '../../../main/engine/log-lines';

/** An assembler with its own counter; `max` may be changed between pushes. */
function assembler(maxLineBytes = 64) {
  const limits = { max: maxLineBytes, seq: 0 };
  const a = new LineAssembler({ maxLineBytes: () => limits.max, nextSeq: () => ++limits.seq });
  return { a, limits };
}

const raws = (lines: { raw: string }[]) => lines.map((l) => l.raw);

describe('LineAssembler', () => {
  it('emits each complete line of a chunk, numbered from the counter', () => {
    const { a } = assembler();
    const out = a.push(Buffer.from('level=info msg=one\nlevel=warn msg=two\n'), 5);
    expect(out.map((l) => [l.seq, l.level, l.msg])).toEqual([
      [1, 'info', 'one'],
      [2, 'warn', 'two'],
    ]);
  });

  it('keeps a line without its newline until a later chunk ends it', () => {
    const { a } = assembler();
    expect(a.push(Buffer.from('msg=par'))).toEqual([]);
    expect(a.pending).toBe(true);
    expect(raws(a.push(Buffer.from('tial\nmsg=next\n')))).toEqual(['msg=partial', 'msg=next']);
    expect(a.pending).toBe(false);
  });

  it('joins a UTF-8 character split between two chunks', () => {
    const { a } = assembler();
    const bytes = Buffer.from('msg="grüße"\n');
    const at = bytes.indexOf(0xc3) + 1; // inside the two bytes of "ü"
    expect(a.push(bytes.subarray(0, at))).toEqual([]);
    expect(raws(a.push(bytes.subarray(at)))).toEqual(['msg="grüße"']);
  });

  it('drops a trailing CR and skips empty lines without using a number', () => {
    const { a } = assembler();
    const out = a.push(Buffer.from('msg=a\r\n\n\r\nmsg=b\n'));
    expect(out.map((l) => [l.seq, l.raw])).toEqual([
      [1, 'msg=a'],
      [2, 'msg=b'],
    ]);
  });

  it('cuts a long line to its head at a UTF-8 boundary and says how much was dropped', () => {
    const { a } = assembler(64);
    // 63 ASCII bytes, then "é" (2 bytes) straddling byte 64, then more.
    const line = `level=error msg="${'x'.repeat(46)}é${'y'.repeat(1000)}"`;
    const out = a.push(Buffer.from(`${line}\nmsg=after\n`));
    expect(out).toHaveLength(2);
    const [cut, after] = out;
    // The head ends before "é" rather than keep half of it.
    expect(cut!.raw).toBe(`level=error msg="${'x'.repeat(46)} … [cut 1003 B]`);
    expect(cut!.level).toBe('error');
    expect(after!.raw).toBe('msg=after');
  });

  it('holds only the head of a long line that spans many chunks', () => {
    const { a } = assembler(64);
    a.push(Buffer.from('msg="'));
    for (let i = 0; i < 100; i++) expect(a.push(Buffer.alloc(1000, 0x61))).toEqual([]);
    const [line] = a.push(Buffer.from('"\n'));
    expect(line!.raw).toBe(`msg="${'a'.repeat(59)} … [cut 98 KiB]`);
  });

  it('reads the line limit for every chunk (settings apply live)', () => {
    const { a, limits } = assembler(64);
    const long = `msg=${'z'.repeat(100)}\n`;
    expect(a.push(Buffer.from(long))[0]!.raw).toMatch(/\[cut/);
    limits.max = 1024;
    expect(a.push(Buffer.from(long))[0]!.raw).toBe(long.trimEnd());
  });

  it('finish() gives the line in progress as it is, once', () => {
    const { a } = assembler();
    a.push(Buffer.from('msg=done\nmsg=no newline'));
    expect(raws(a.finish())).toEqual(['msg=no newline']);
    expect(a.finish()).toEqual([]);
  });

  it('shares one counter between assemblers (lines of two files never share a number)', () => {
    let seq = 0;
    const opts = { maxLineBytes: () => 64, nextSeq: () => ++seq };
    const a = new LineAssembler(opts);
    const b = new LineAssembler(opts);
    const seqs = [
      ...a.push(Buffer.from('msg=a1\n')),
      ...b.push(Buffer.from('msg=b1\n')),
      ...a.push(Buffer.from('msg=a2\n')),
    ].map((l) => l.seq);
    expect(seqs).toEqual([1, 2, 3]);
  });
});

describe('utf8Cut', () => {
  it('moves a cut inside a multi-byte character back to its start', () => {
    const b = Buffer.from('ab€cd'); // "€" is 3 bytes at 2..4
    expect([2, 3, 4, 5].map((at) => utf8Cut(b, at))).toEqual([2, 2, 2, 5]);
    expect(utf8Cut(b, 100)).toBe(b.length);
  });
});
