import { readSettings, type ParsedRow } from './setting-parsers';
import { SETTINGS, type ConfigValues } from './settings';

describe('the settings table', () => {
  it('names each setting once, and gives a parse to every row a parser reads', () => {
    const names = SETTINGS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of SETTINGS) {
      expect([s.name, s.parse === undefined]).toEqual([s.name, s.readBy === 'external']);
      expect(s.defaultText).not.toBe('');
      expect(s.description).not.toBe('');
    }
  });

  it('gives parseConfig a value for every row it reads, and nothing else', () => {
    const { values, issues } = readSettings<ConfigValues>(SETTINGS, 'parseConfig', { APP_ENV: 'localdev' });
    expect(issues).toEqual([]);
    expect(Object.keys(values)).toEqual(
      SETTINGS.filter((s) => s.readBy === 'parseConfig').map((s) => s.name),
    );
    expect(values).toMatchObject({ APP_ENV: 'localdev', HOST_SERVICE_PORT: 4678, ECS_BRIDGE: false });
  });

  it('lets a row read only the rows above it', () => {
    const rows: ParsedRow[] = [
      { name: 'A', readBy: 'p', parse: (raw) => raw ?? 'a' },
      {
        name: 'B',
        readBy: 'p',
        parse: (_raw, ctx: { value(n: string): unknown }) => `${String(ctx.value('A'))}b`,
      },
      { name: 'C', readBy: 'q', parse: () => 'c' },
    ];
    expect(readSettings(rows, 'p', { A: ' x ', B: '' }).values).toEqual({ A: 'x', B: 'xb' });
    expect(() => readSettings([...rows].reverse(), 'p', {})).toThrow(
      'setting B reads A, which is not above it',
    );
  });

  it('collects every issue, in table order', () => {
    const rows: ParsedRow[] = ['X', 'Y'].map((name) => ({
      name,
      readBy: 'p',
      parse: (raw, ctx) => {
        if (raw !== undefined) ctx.issue(`${ctx.name} bad`);
        return raw;
      },
    }));
    expect(readSettings(rows, 'p', { Y: '1', X: '2' }).issues).toEqual(['X bad', 'Y bad']);
  });
});
