import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMeminfo, readMeminfo } from './meminfo';

const SAMPLE = `MemTotal:       16318620 kB
MemFree:         1234567 kB
MemAvailable:    9876543 kB
Buffers:          123456 kB
HugePages_Total:       0
`;

describe('meminfo', () => {
  it('reads total, free and available kB as decimal strings', () => {
    expect(parseMeminfo(SAMPLE)).toEqual({ totalKb: '16318620', freeKb: '1234567', availKb: '9876543' });
  });

  it('says which line is missing', () => {
    expect(() => parseMeminfo('MemTotal: 1 kB\nMemFree: 2 kB\n')).toThrow(
      '/proc/meminfo has no MemAvailable line',
    );
  });

  it('reads the real file of this host', async () => {
    const mem = await readMeminfo();
    expect(mem.totalKb).toMatch(/^[1-9]\d*$/);
    expect(BigInt(mem.availKb)).toBeLessThanOrEqual(BigInt(mem.totalKb));
  });

  it('reads a given path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meminfo-'));
    try {
      await writeFile(join(dir, 'meminfo'), SAMPLE);
      await expect(readMeminfo(join(dir, 'meminfo'))).resolves.toMatchObject({ totalKb: '16318620' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
