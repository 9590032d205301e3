export type AgentLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface AgentLogLine {
  level: AgentLogLevel;
  msg: string;
  /** The level word as the agent wrote it, lower-cased (e.g. `critical`), when there was one. */
  agentLevel?: string;
  /** The agent's timestamp, when there was one. */
  time?: string;
  /** Other `key=value` pairs of a logfmt line. */
  fields: Record<string, string>;
}

const LEVELS: Record<string, AgentLogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  crit: 'error',
  critical: 'error',
  fatal: 'error',
};

const BRACKETED = /^(\S+)\s+\[([A-Za-z]+)\]\s?(.*)$/;

/**
 * Reads one line of the ECS agent's output: logfmt (`level=info time=... msg="..." module=x.go`)
 * or the older `2024-01-02T03:04:05Z [INFO] text` form. Anything else is an info line as is.
 */
export function parseAgentLogLine(line: string): AgentLogLine {
  const pairs = parseLogfmt(line);
  const levelWord = pairs?.['level']?.toLowerCase();
  if (pairs && levelWord !== undefined && LEVELS[levelWord] !== undefined) {
    const { msg, time, ...fields } = pairs;
    delete fields['level'];
    const out: AgentLogLine = { level: LEVELS[levelWord], msg: msg ?? '', agentLevel: levelWord, fields };
    if (time !== undefined) out.time = time;
    return out;
  }
  const b = BRACKETED.exec(line);
  const word = b?.[2]?.toLowerCase();
  if (b && word !== undefined && LEVELS[word] !== undefined) {
    return { level: LEVELS[word], msg: b[3] ?? '', agentLevel: word, time: b[1] as string, fields: {} };
  }
  return { level: 'info', msg: line, fields: {} };
}

/** `key=value key="quoted \" value"` pairs, or null when the line is not entirely logfmt. */
function parseLogfmt(line: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && line[i] === ' ') i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && line[i] !== '=' && line[i] !== ' ') i++;
    if (line[i] !== '=' || i === keyStart) return null;
    const key = line.slice(keyStart, i);
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < n) {
        const c = line[i] as string;
        if (c === '\\' && i + 1 < n) {
          const next = line[i + 1] as string;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else if (c === '"') {
          i++;
          closed = true;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) return null;
    } else {
      const start = i;
      while (i < n && line[i] !== ' ') i++;
      value = line.slice(start, i);
    }
    out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : null;
}
