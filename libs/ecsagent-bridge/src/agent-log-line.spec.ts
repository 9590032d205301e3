import { parseAgentLogLine } from './agent-log-line';
import { LineSplitter, MAX_LINE_CHARS } from './line-splitter';

describe('parseAgentLogLine', () => {
  it('reads logfmt lines with quoted values and extra fields', () => {
    expect(
      parseAgentLogLine(
        'level=info time=2024-05-01T10:00:00Z msg="Loading \\"config\\" now" module=agent.go',
      ),
    ).toEqual({
      level: 'info',
      agentLevel: 'info',
      msg: 'Loading "config" now',
      time: '2024-05-01T10:00:00Z',
      fields: { module: 'agent.go' },
    });
  });

  it.each([
    ['debug', 'debug'],
    ['info', 'info'],
    ['warn', 'warn'],
    ['warning', 'warn'],
    ['error', 'error'],
    ['critical', 'error'],
    ['crit', 'error'],
    ['CRITICAL', 'error'],
  ])('maps level=%s to %s', (word, level) => {
    const parsed = parseAgentLogLine(`level=${word} msg=x`);
    expect(parsed.level).toBe(level);
    expect(parsed.agentLevel).toBe(word.toLowerCase());
  });

  it('reads the older bracketed form', () => {
    expect(parseAgentLogLine('2024-05-01T10:00:00Z [WARN] Disk is filling up')).toEqual({
      level: 'warn',
      agentLevel: 'warn',
      msg: 'Disk is filling up',
      time: '2024-05-01T10:00:00Z',
      fields: {},
    });
  });

  it.each([
    'plain text from a shell script',
    'level=loud msg=x',
    'msg="unterminated',
    'key=value but then words',
    '',
  ])('treats %j as an info line', (line) => {
    expect(parseAgentLogLine(line)).toEqual({ level: 'info', msg: line, fields: {} });
  });
});

describe('LineSplitter', () => {
  it('splits across chunks, strips CR, keeps UTF-8 split mid-character and flushes the rest', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const euro = Buffer.from('€');
    s.write(Buffer.concat([Buffer.from('one\r\ntw'), euro.subarray(0, 1)]));
    s.write(Buffer.concat([euro.subarray(1), Buffer.from('o\nthree')]));
    s.end();
    expect(lines).toEqual(['one', 'tw€o', 'three']);
  });

  it('cuts runaway lines', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.write(Buffer.from('a'.repeat(MAX_LINE_CHARS + 10)));
    s.end();
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_CHARS, 10]);
  });
});
