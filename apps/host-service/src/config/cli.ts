import type { BuildInfo } from './build-info';
import type { SettingDoc } from './settings';

export type CliAction =
  { kind: 'run' } | { kind: 'help' } | { kind: 'version' } | { kind: 'error'; message: string };

export function parseArgs(argv: readonly string[]): CliAction {
  if (argv.length === 0) return { kind: 'run' };
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) return { kind: 'help' };
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return { kind: 'version' };
  return {
    kind: 'error',
    message: `unknown arguments: ${argv.join(' ')} (try --help; settings come from the environment)`,
  };
}

export function renderVersion(info: BuildInfo): string {
  return `host-service ${info.version} (commit ${info.commit})\n`;
}

export function renderHelp(settings: readonly SettingDoc[], info: BuildInfo): string {
  const width = Math.max(...settings.map((s) => s.name.length));
  const rows = settings.map(
    (s) => `  ${s.name.padEnd(width)}  ${s.description}\n  ${' '.repeat(width)}  default: ${s.defaultText}`,
  );
  return [
    `host-service ${info.version} (commit ${info.commit})`,
    '',
    'The Fractal host service: runs streaming containers on this Docker host and serves the',
    'HTTPS API the webserver and client app call. Run as root. Settings come from the environment.',
    '',
    'Usage: node main.js [--help | --version]',
    '',
    'Settings:',
    ...rows,
    '',
  ].join('\n');
}
