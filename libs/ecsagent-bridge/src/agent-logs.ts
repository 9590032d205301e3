import type Dockerode from 'dockerode';
import { PassThrough } from 'node:stream';
import { parseAgentLogLine } from './agent-log-line';
import { LineSplitter } from './line-splitter';
import type { BridgeLogger } from './types';

export interface AgentLogStream {
  /** Resolves when the container's output has ended (it exited) or the stream broke. */
  ended: Promise<void>;
  close(): void;
}

/** Follows the container's stdout/stderr and writes each line to the logger at the agent's level. */
export async function followAgentLogs(
  docker: Dockerode,
  container: Dockerode.Container,
  logger: BridgeLogger,
): Promise<AgentLogStream> {
  const stream = (await container.logs({
    follow: true,
    stdout: true,
    stderr: true,
  })) as NodeJS.ReadableStream & Partial<{ destroy(): void }>;
  const splitters = (['stdout', 'stderr'] as const).map((name) => {
    const pass = new PassThrough();
    const splitter = new LineSplitter((line) => logLine(logger, name, line));
    pass.on('data', (c: Buffer) => splitter.write(c));
    return { pass, splitter };
  });
  const [out, err] = splitters as [(typeof splitters)[0], (typeof splitters)[0]];
  docker.modem.demuxStream(stream, out.pass, err.pass);
  const ended = new Promise<void>((resolve) => {
    const finish = (): void => {
      for (const s of splitters) s.splitter.end();
      resolve();
    };
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', (e: Error) => {
      logger.warn(
        { err: e, source: 'ecs-agent' },
        'ECS agent log stream broke; later agent output is not logged',
      );
      finish();
    });
  });
  return { ended, close: () => stream.destroy?.() };
}

function logLine(logger: BridgeLogger, stream: 'stdout' | 'stderr', line: string): void {
  if (line.trim() === '') return;
  const parsed = parseAgentLogLine(line);
  const obj: Record<string, unknown> = { source: 'ecs-agent', stream };
  if (parsed.time !== undefined) obj['agentTime'] = parsed.time;
  if (parsed.agentLevel !== undefined && parsed.agentLevel !== parsed.level)
    obj['agentLevel'] = parsed.agentLevel;
  if (Object.keys(parsed.fields).length > 0) obj['agentFields'] = parsed.fields;
  logger[parsed.level](obj, parsed.msg);
}
