import { EcsConfigError } from './errors';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses the ECS agent's config file (`/etc/ecs/ecs.config`): `KEY=VALUE` lines, split at the
 * first `=`, blank lines and `#` comments skipped. Values are taken verbatim (no quote removal),
 * as the agent's `--env-file` loading does. A later duplicate key wins.
 */
export function parseEcsConfig(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    // Files edited on Windows end lines with CRLF.
    const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
    const lineNo = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const eq = raw.indexOf('=');
    if (eq < 0) {
      throw new EcsConfigError(
        lineNo,
        `ecs.config line ${lineNo} has no '=': expected KEY=VALUE (got ${JSON.stringify(clip(raw))}); fix or comment out the line`,
      );
    }
    const key = raw.slice(0, eq).trim();
    if (!ENV_NAME.test(key)) {
      throw new EcsConfigError(
        lineNo,
        `ecs.config line ${lineNo} has an invalid key ${JSON.stringify(clip(key))}: keys must match ${ENV_NAME.source}`,
      );
    }
    result[key] = raw.slice(eq + 1);
  });
  return result;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}
