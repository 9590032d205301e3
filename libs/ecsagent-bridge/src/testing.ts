import { CreateHookError } from './errors';
import type {
  BridgeLogger,
  ContainerCreateBody,
  ContainerCreateHook,
  ContainerCreateRequest,
  CreateOutcome,
  CreatePlan,
} from './types';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A {@link BridgeLogger} that keeps every call, for assertions. */
export class RecordingLogger implements BridgeLogger {
  readonly records: LogRecord[] = [];

  debug(obj: object, msg?: string): void {
    this.push('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.push('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.push('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.push('error', obj, msg);
  }

  private push(level: LogRecord['level'], obj: object, msg: string | undefined): void {
    this.records.push({ level, obj: obj as Record<string, unknown>, msg });
  }
}

export interface RecordedCreate {
  request: ContainerCreateRequest;
  /** The body the hook sent on to Docker. */
  sent?: ContainerCreateBody;
  /** Docker's answer, once it came. */
  outcome?: CreateOutcome;
}

export type CreateRewrite = (
  body: ContainerCreateBody,
  req: ContainerCreateRequest,
) => ContainerCreateBody | Promise<ContainerCreateBody>;

/**
 * A {@link ContainerCreateHook} that rewrites bodies with a function of your choice and records
 * every request and outcome. `refuseNext(status, message)` makes the next create fail the way a
 * real hook refuses (CreateHookError); `failOutcome` makes onOutcome reject.
 */
export class RecordingCreateHook implements ContainerCreateHook {
  readonly creates: RecordedCreate[] = [];
  failOutcome = false;
  private refusal: CreateHookError | Error | null = null;

  constructor(private readonly rewrite: CreateRewrite = (body) => body) {}

  refuseNext(statusCode: number, message: string): void {
    this.refusal = new CreateHookError(statusCode, message);
  }

  /** Makes the next create fail with an error that is not a CreateHookError. */
  crashNext(message: string): void {
    this.refusal = new Error(message);
  }

  async beforeCreate(request: ContainerCreateRequest): Promise<CreatePlan> {
    const record: RecordedCreate = { request: structuredClone(request) };
    this.creates.push(record);
    const refusal = this.refusal;
    this.refusal = null;
    if (refusal) throw refusal;
    const body = await this.rewrite(structuredClone(request.body), request);
    record.sent = body;
    return {
      body,
      onOutcome: async (outcome) => {
        record.outcome = outcome;
        if (this.failOutcome) throw new Error('recording hook told to fail onOutcome');
      },
    };
  }

  /** The outcomes seen so far, in order. */
  outcomes(): CreateOutcome[] {
    return this.creates.flatMap((c) => (c.outcome ? [c.outcome] : []));
  }
}
