/** Structural, pino-compatible logger: the library never imports a logging package. */
export interface BridgeLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ContainerCreateMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  [k: string]: unknown;
}

export interface ContainerCreateDevice {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface ContainerCreateHostConfig {
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
  Binds?: string[];
  Mounts?: ContainerCreateMount[];
  Devices?: ContainerCreateDevice[];
  [k: string]: unknown;
}

/** The JSON body of `POST /containers/create` (only the fields a hook usually touches are typed). */
export interface ContainerCreateBody {
  Image?: string;
  Labels?: Record<string, string>;
  Tty?: boolean;
  Env?: string[];
  ExposedPorts?: Record<string, object>;
  HostConfig?: ContainerCreateHostConfig;
  [k: string]: unknown;
}

export interface ContainerCreateRequest {
  /** The `name=` query parameter, when the client gave one. */
  name?: string;
  /** The API version from the path prefix (`/v1.41/...` gives `1.41`), when there is one. */
  apiVersion?: string;
  body: ContainerCreateBody;
}

export type CreateOutcome = { ok: true; id: string } | { ok: false; statusCode: number; message: string };

export interface CreatePlan {
  /** The body sent to Docker instead of the client's. */
  body: ContainerCreateBody;
  /** Called once with Docker's answer, before the client gets it. Errors are logged, not thrown. */
  onOutcome(outcome: CreateOutcome): Promise<void>;
}

export interface ContainerCreateHook {
  /** Throw {@link CreateHookError} to refuse the create with a status of your choice. */
  beforeCreate(req: ContainerCreateRequest): Promise<CreatePlan>;
}
