// Lines per second of @fractal/logger vs bare pino (and pino with fixed `redact` paths, what a
// user would otherwise reach for) writing to the same no-op destination.
import pino from 'pino';
import { createLogger } from '../src/create-logger';
import { redactSecrets } from '../src/redact';

const LINES = Number(process.env['BENCH_LINES'] ?? 200_000);
const ROUNDS = 3;
const sink = { write: (): void => undefined };
const destination = sink as unknown as NodeJS.WritableStream;

type Log = (i: number) => void;
interface Case {
  name: string;
  log: Log;
}

const clean = (i: number) => ({ host_port: 40000 + (i % 100), user_id: 'u-1234', step: 'unpack', bytes: i });
const secret = (i: number) => ({
  host_port: 40000 + (i % 100),
  body: { user_id: 'u-1234', config_encryption_token: 'tok', client_app_auth_secret: 'sec' },
  bytes: i,
});

function cases(shape: (i: number) => Record<string, unknown>): Case[] {
  const bare = pino({ level: 'info' }, sink).child({ fractalID: 'f1', dockerID: 'd1', app: 'chrome' });
  const paths = pino(
    { level: 'info', redact: ['body.config_encryption_token', 'body.client_app_auth_secret', 'password'] },
    sink,
  ).child({ fractalID: 'f1', dockerID: 'd1', app: 'chrome' });
  const ours = createLogger({ appEnv: 'production', useProdLogging: false, destination }).child({
    fractalID: 'f1',
    dockerID: 'd1',
    app: 'chrome',
  });
  return [
    { name: 'bare pino', log: (i) => bare.info(shape(i), 'step done') },
    { name: 'pino + redact paths', log: (i) => paths.info(shape(i), 'step done') },
    { name: '@fractal/logger', log: (i) => ours.info(shape(i), 'step done') },
  ];
}

function linesPerSecond(log: Log): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < LINES; i++) log(i);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return LINES / seconds;
}

function run(label: string, shape: (i: number) => Record<string, unknown>): void {
  const list = cases(shape);
  for (const c of list) for (let i = 0; i < 20_000; i++) c.log(i); // warm-up
  const best = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of list) best.set(c.name, Math.max(best.get(c.name) ?? 0, linesPerSecond(c.log)));
  }
  const base = best.get('bare pino') ?? 1;
  console.log(`\n${label} (${LINES} lines x ${ROUNDS} rounds, best round)`);
  for (const c of list) {
    const rate = best.get(c.name) ?? 0;
    console.log(
      `  ${c.name.padEnd(22)} ${Math.round(rate).toLocaleString('en').padStart(11)} lines/s   ${(base / rate).toFixed(2)}x time of bare pino`,
    );
  }
}

console.log(`node ${process.version}; destination: no-op write(); JSON via pino ${pino.version}`);
run('objects without secrets', clean);
run('objects with two nested secrets', secret);

const sample = secret(1);
const started = process.hrtime.bigint();
for (let i = 0; i < LINES; i++) redactSecrets(clean(i));
const scanNs = Number(process.hrtime.bigint() - started) / LINES;
console.log(
  `\nredactSecrets alone on a clean object: ${scanNs.toFixed(0)} ns/call; sample redacted: ${JSON.stringify(redactSecrets(sample))}`,
);
