// HPACK for the minimal HTTP/2 client: RFC 7541 Appendix C's examples, the Huffman code of
// Appendix B, and every malformed or over-limit block refused with an HpackError.
import { describe, expect, it } from 'vitest';
import {
  encodeHeaders,
  HpackDecoder,
  HpackError,
  HUFFMAN_BITS,
  huffmanCodes,
  huffmanDecode,
} from '../../../main/shared/hpack';

type Fields = [string, string][];

/** Bytes from the RFC's hex dumps ("8286 8441 …"). */
const HUFFMAN_CODES = huffmanCodes();
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Test-only Huffman encoder from the module's codes: a string of bits, padded with ones. */
function huffmanEncode(s: string): Buffer {
  let bits = '';
  for (const c of Buffer.from(s, 'latin1')) {
    bits += (HUFFMAN_CODES[c] ?? 0).toString(2).padStart(HUFFMAN_BITS[c] ?? 0, '0');
  }
  bits += '1'.repeat((8 - (bits.length % 8)) % 8);
  return Buffer.from((bits.match(/.{8}/g) ?? []).map((b) => parseInt(b, 2)));
}

/** A literal with incremental indexing, new name, no Huffman (strings under 127 bytes). */
function literalIndexed(name: string, value: string): Buffer {
  const str = (v: string) => Buffer.concat([Buffer.from([v.length]), Buffer.from(v, 'latin1')]);
  return Buffer.concat([Buffer.from([0x40]), str(name), str(value)]);
}

interface Step {
  block: string;
  fields: Fields;
  /** The dynamic table after the block, newest first, and its size. */
  table: Fields;
  size: number;
}

/** Decodes each block in turn on one decoder, checking the list and the table after each. */
function decodesInTurn(decoder: HpackDecoder, steps: Step[]): void {
  for (const step of steps) {
    expect(decoder.decode(hex(step.block))).toEqual(step.fields);
    expect(decoder.dynamicTable()).toEqual({ entries: step.table, size: step.size });
  }
}

const request1: Fields = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const request2: Fields = [...request1, ['cache-control', 'no-cache']];
const request3: Fields = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const table1: Fields = [[':authority', 'www.example.com']];
const table2: Fields = [['cache-control', 'no-cache'], ...table1];
const table3: Fields = [['custom-key', 'custom-value'], ...table2];

const date21 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const date22 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const cookie = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const response1: Fields = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', date21],
  ['location', 'https://www.example.com'],
];
const response2: Fields = [[':status', '307'], ...response1.slice(1)];
const response3: Fields = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', date22],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', cookie],
];
const rtable1: Fields = [...response1].reverse();
const rtable2: Fields = [[':status', '307'], ...rtable1.slice(0, 3)];
const rtable3: Fields = [
  ['set-cookie', cookie],
  ['content-encoding', 'gzip'],
  ['date', date22],
];

describe('integers (RFC 7541 C.1)', () => {
  // HPACK's 5-bit prefix is the table size update's (001xxxxx): the size cap shows the value.
  it('decodes 10 with a 5-bit prefix (C.1.1)', () => {
    expect(new HpackDecoder(10).decode(hex('2a'))).toEqual([]);
    expect(() => new HpackDecoder(9).decode(hex('2a'))).toThrow(HpackError);
  });

  it('decodes 1337 with a 5-bit prefix (C.1.2)', () => {
    expect(new HpackDecoder(1337).decode(hex('3f 9a 0a'))).toEqual([]);
    expect(() => new HpackDecoder(1336).decode(hex('3f 9a 0a'))).toThrow(HpackError);
  });

  it('decodes 42 starting at an octet boundary (C.1.3), as a string length', () => {
    const name = 'x'.repeat(42);
    expect(new HpackDecoder().decode(Buffer.from(`\x00\x2a${name}\x01y`, 'latin1'))).toEqual([
      [name, 'y'],
    ]);
  });
});

describe('header field representations (RFC 7541 C.2)', () => {
  it('literal with indexing enters the dynamic table (C.2.1)', () => {
    const d = new HpackDecoder();
    const block = '400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572';
    expect(d.decode(hex(block))).toEqual([['custom-key', 'custom-header']]);
    expect(d.dynamicTable()).toEqual({ entries: [['custom-key', 'custom-header']], size: 55 });
  });

  it('literal without indexing leaves the table alone (C.2.2)', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('040c 2f73 616d 706c 652f 7061 7468'))).toEqual([
      [':path', '/sample/path'],
    ]);
    expect(d.dynamicTable()).toEqual({ entries: [], size: 0 });
  });

  it('literal never indexed leaves the table alone (C.2.3)', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('1008 7061 7373 776f 7264 0673 6563 7265 74'))).toEqual([
      ['password', 'secret'],
    ]);
    expect(d.dynamicTable()).toEqual({ entries: [], size: 0 });
  });

  it('indexed field from the static table (C.2.4)', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('82'))).toEqual([[':method', 'GET']]);
    expect(d.dynamicTable()).toEqual({ entries: [], size: 0 });
  });
});

describe('requests on one connection (RFC 7541 C.3, C.4)', () => {
  it('decodes three requests without Huffman, the table carried across (C.3)', () => {
    decodesInTurn(new HpackDecoder(), [
      {
        block: '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
        fields: request1,
        table: table1,
        size: 57,
      },
      { block: '8286 84be 5808 6e6f 2d63 6163 6865', fields: request2, table: table2, size: 110 },
      {
        block: '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
        fields: request3,
        table: table3,
        size: 164,
      },
    ]);
  });

  it('decodes the same requests with Huffman (C.4)', () => {
    decodesInTurn(new HpackDecoder(), [
      {
        block: '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
        fields: request1,
        table: table1,
        size: 57,
      },
      { block: '8286 84be 5886 a8eb 1064 9cbf', fields: request2, table: table2, size: 110 },
      {
        block: '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
        fields: request3,
        table: table3,
        size: 164,
      },
    ]);
  });
});

describe('responses with a 256-byte table, evicting (RFC 7541 C.5, C.6)', () => {
  it('decodes three responses without Huffman (C.5)', () => {
    decodesInTurn(new HpackDecoder(256), [
      {
        block: `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
                6c65 2e63 6f6d`,
        fields: response1,
        table: rtable1,
        size: 222,
      },
      { block: '4803 3330 37c1 c0bf', fields: response2, table: rtable2, size: 222 },
      {
        block: `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
                3d31`,
        fields: response3,
        table: rtable3,
        size: 215,
      },
    ]);
  });

  it('decodes the same responses with Huffman (C.6)', () => {
    decodesInTurn(new HpackDecoder(256), [
      {
        block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
        fields: response1,
        table: rtable1,
        size: 222,
      },
      { block: '4883 640e ffc1 c0bf', fields: response2, table: rtable2, size: 222 },
      {
        block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
        fields: response3,
        table: rtable3,
        size: 215,
      },
    ]);
  });
});

describe('dynamic table', () => {
  it('empties the table when an entry larger than the whole table is added (§4.4)', () => {
    const d = new HpackDecoder(64);
    d.decode(literalIndexed('a', 'b'));
    expect(d.dynamicTable().size).toBe(34);
    d.decode(literalIndexed('big', 'x'.repeat(40)));
    expect(d.dynamicTable()).toEqual({ entries: [], size: 0 });
  });

  it('evicts on a size update at the start of a block, then refuses the evicted index', () => {
    const d = new HpackDecoder();
    d.decode(literalIndexed('a', 'b'));
    expect(d.decode(hex('20'))).toEqual([]);
    expect(d.dynamicTable()).toEqual({ entries: [], size: 0 });
    expect(() => d.decode(hex('be'))).toThrow(HpackError);
  });

  it('accepts a size update up to the advertised maximum (4096)', () => {
    expect(new HpackDecoder().decode(hex('3f e1 1f 82'))).toEqual([[':method', 'GET']]);
  });

  it('serves all 61 static entries (Appendix A), first and last', () => {
    const d = new HpackDecoder();
    expect(d.decode(hex('81 bd'))).toEqual([
      [':authority', ''],
      ['www-authenticate', ''],
    ]);
    expect(() => d.decode(hex('be'))).toThrow(HpackError);
  });
});

describe('encodeHeaders', () => {
  it('writes literals without indexing, new name, no Huffman', () => {
    expect(encodeHeaders([[':path', '/a']]).toString('hex')).toBe('00053a70617468022f61');
  });

  it('round-trips through the decoder without touching its table', () => {
    const fields: Fields = [
      [':method', 'POST'],
      [':path', '/containerd.services.version.v1.Version/Version'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
      ['grpc-timeout', '2000m'],
      ['x-long', 'v'.repeat(300)], // a length past the 7-bit prefix
      ['x-empty', ''],
    ];
    const d = new HpackDecoder();
    expect(d.decode(encodeHeaders(fields))).toEqual(fields);
    expect(d.dynamicTable().size).toBe(0);
  });

  it('writes lengths of 126, 127 and 128 with the 7-bit prefix (§5.1)', () => {
    for (const n of [126, 127, 128]) {
      const fields: Fields = [['x', 'v'.repeat(n)]];
      expect(new HpackDecoder().decode(encodeHeaders(fields))).toEqual(fields);
    }
    expect(
      encodeHeaders([['x', 'v'.repeat(127)]])
        .subarray(3, 5)
        .toString('hex'),
    ).toBe('7f00');
  });
});

describe('Huffman code (RFC 7541 Appendix B)', () => {
  // First and last symbol of each code length, and their codes, from Appendix B.
  const rows: [bits: number, first: number, firstCode: number, last: number, lastCode: number][] = [
    [5, 48, 0x0, 116, 0x9],
    [6, 32, 0x14, 117, 0x2d],
    [7, 58, 0x5c, 122, 0x7b],
    [8, 38, 0xf8, 90, 0xfd],
    [10, 33, 0x3f8, 63, 0x3fc],
    [11, 39, 0x7fa, 124, 0x7fc],
    [12, 35, 0xffa, 62, 0xffb],
    [13, 0, 0x1ff8, 126, 0x1ffd],
    [14, 94, 0x3ffc, 125, 0x3ffd],
    [15, 60, 0x7ffc, 123, 0x7ffe],
    [19, 92, 0x7fff0, 208, 0x7fff2],
    [20, 128, 0xfffe6, 226, 0xfffed],
    [21, 153, 0x1fffdc, 230, 0x1fffe8],
    [22, 129, 0x3fffd2, 233, 0x3fffeb],
    [23, 1, 0x7fffd8, 239, 0x7ffff4],
    [24, 9, 0xffffea, 237, 0xfffff5],
    [25, 199, 0x1ffffec, 235, 0x1ffffef],
    [26, 192, 0x3ffffe0, 255, 0x3ffffee],
    [27, 203, 0x7ffffde, 254, 0x7fffff0],
    [28, 2, 0xfffffe2, 249, 0xffffffe],
    [30, 10, 0x3ffffffc, 256, 0x3fffffff],
  ];

  it('has the codes of Appendix B at the edges of every length', () => {
    for (const [bits, first, firstCode, last, lastCode] of rows) {
      const symbols = HUFFMAN_BITS.flatMap((b, s) => (b === bits ? [s] : []));
      expect([symbols[0], symbols.at(-1)]).toEqual([first, last]);
      expect([HUFFMAN_CODES[first], HUFFMAN_CODES[last]]).toEqual([firstCode, lastCode]);
      expect(symbols).toHaveLength(lastCode - firstCode + 1);
    }
    expect(rows.reduce((n, [, , fc, , lc]) => n + lc - fc + 1, 0)).toBe(257);
  });

  it('decodes the strings of Appendix C', () => {
    expect(huffmanDecode(hex('f1e3 c2e5 f23a 6ba0 ab90 f4ff')).toString()).toBe('www.example.com');
    expect(huffmanDecode(hex('6402')).toString()).toBe('302');
    expect(huffmanDecode(hex('9bd9 ab')).toString()).toBe('gzip');
  });

  it('decodes every printable ASCII character', () => {
    let ascii = '';
    for (let c = 0x20; c < 0x7f; c++) ascii += String.fromCharCode(c);
    expect(huffmanDecode(huffmanEncode(ascii)).toString('latin1')).toBe(ascii);
    for (const c of ascii) expect(huffmanDecode(huffmanEncode(c)).toString('latin1')).toBe(c);
  });

  it('decodes every byte value, the longest codes included', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString('latin1');
    expect(huffmanDecode(huffmanEncode(all)).toString('latin1')).toBe(all);
  });

  it('decodes an empty string', () => {
    expect(huffmanDecode(Buffer.alloc(0))).toHaveLength(0);
  });
});

describe('malformed or over-limit blocks throw HpackError', () => {
  const refused: [what: string, block: string][] = [
    ['index 0', '80'],
    ['an index past the static and dynamic tables', 'be'],
    ['an indexed name past the tables', '7f 00 01 61'],
    ['a block ending mid-integer', 'ff'],
    ['a block ending inside an integer continuation', 'ff 80'],
    ['an integer over 2^31', 'ff ff ff ff ff 0f'],
    ['an integer with 6 continuation bytes', 'ff 80 80 80 80 80 00'],
    ['a string running past the block', '00 05 61'],
    ['a block ending before a string', '00 01 61'],
    ['a value missing after its name', '40 01 61'],
    ['a table size update above the maximum (4097)', '3f e2 1f'],
    ['a table size update after a field', '82 20'],
    ['Huffman holding EOS', '00 01 61 84 ff ff ff ff'],
    ['Huffman padding of 8 bits or more', '00 01 61 82 1f ff'],
    ['Huffman padding that is not all ones', '00 01 61 81 00'],
  ];
  for (const [what, block] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => new HpackDecoder().decode(hex(block))).toThrow(HpackError);
    });
  }

  it('refuses bad Huffman strings given directly', () => {
    expect(() => huffmanDecode(hex('ffff ffff fc'))).toThrow(/EOS/); // EOS then '?'
    expect(() => huffmanDecode(hex('ff'))).toThrow(/padding of 8 bits/);
    expect(() => huffmanDecode(hex('1f ff'))).toThrow(/padding of 11 bits/); // 'a' + 11 ones
    expect(() => huffmanDecode(hex('00'))).toThrow(/not all ones/); // '0' + 000
  });

  it('refuses a block over maxListBytes, counting 32 bytes a field', () => {
    const fields: Fields = [['a', 'x'.repeat(67)]]; // 1 + 67 + 32 = 100
    expect(new HpackDecoder(4096, 100).decode(encodeHeaders(fields))).toEqual(fields);
    expect(() => new HpackDecoder(4096, 99).decode(encodeHeaders(fields))).toThrow(HpackError);
    const two: Fields = [...fields, ['b', '']]; // + 33
    expect(() => new HpackDecoder(4096, 132).decode(encodeHeaders(two))).toThrow(HpackError);
  });

  it('refuses a small block that expands past maxListBytes through the dynamic table', () => {
    const d = new HpackDecoder();
    const value = 'v'.repeat(4000);
    // Literal with indexing, name 'b', value length 4000 = 127 + 0x21 + 0x1e * 128.
    const add = Buffer.concat([hex('40 01 62 7f a1 1e'), Buffer.from(value)]);
    expect(d.decode(add)).toEqual([['b', value]]);
    // Five one-byte references to the 4033-byte entry: 20 kB of list from 5 bytes of block.
    expect(() => d.decode(hex('be be be be be'))).toThrow(/header list over 16384 bytes/);
    expect(d.decode(hex('be be be be'))).toHaveLength(4);
  });
});
