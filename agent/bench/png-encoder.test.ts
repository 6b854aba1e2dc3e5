import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderLineChart } from './line-chart.js';
import { crc32, encodePng, PNG_SIGNATURE } from './png-encoder.js';

interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

function chunks(png: Buffer): Chunk[] {
  const out: Chunk[] = [];
  let at = 8;
  while (at < png.length) {
    const len = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + len);
    const crcOk = png.readUInt32BE(at + 8 + len) === crc32(png.subarray(at + 4, at + 8 + len));
    out.push({ type, data, crcOk });
    at += 12 + len;
  }
  return out;
}

describe('PNG encoder', () => {
  it('knows the standard CRC-32 check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes the signature, a valid IHDR, IDAT rows that inflate back, and IEND', () => {
    const rgb = new Uint8Array(3 * 2 * 3).map((_, i) => i * 10);
    const png = encodePng(3, 2, rgb);
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    const cs = chunks(png);
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(cs.every((c) => c.crcOk)).toBe(true);
    const ihdr = cs[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9], ihdr[12]]).toEqual([3, 2, 8, 2, 0]);
    const raw = inflateSync(cs[1]!.data);
    expect(raw.length).toBe(2 * (1 + 9));
    expect(raw[0]).toBe(0);
    expect([...raw.subarray(1, 10)]).toEqual([...rgb.subarray(0, 9)]);
    expect([...raw.subarray(11, 20)]).toEqual([...rgb.subarray(9, 18)]);
  });

  it('rejects a pixel buffer of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(5))).toThrow(RangeError);
  });

  it('renders a chart whose series pixels appear in the image', () => {
    const png = renderLineChart({
      title: 'T',
      xLabel: 'X',
      yLabel: 'Y',
      categories: ['1', '2'],
      series: [{ name: 'A', color: [255, 0, 0], values: [1, 2] }],
      width: 200,
      height: 150,
    });
    const raw = inflateSync(chunks(png)[1]!.data);
    let red = 0;
    for (let i = 0; i + 2 < raw.length; i++)
      if (raw[i] === 255 && raw[i + 1] === 0 && raw[i + 2] === 0) red++;
    expect(red).toBeGreaterThan(50);
  });
});
