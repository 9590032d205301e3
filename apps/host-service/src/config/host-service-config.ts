/** The shape of the daemon's settings; their names, defaults and parsing are in settings.ts. */
import type { AppEnv } from '@fractal/logger';

/** Fractal's environments are defined once, by @fractal/logger (every Fractal service logs them). */
export { APP_ENVS } from '@fractal/logger';
export type AppEnvName = AppEnv;

export const UINPUT_MODES = ['auto', 'required', 'off'] as const;
export type UinputMode = (typeof UINPUT_MODES)[number];

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type UserConfigsStoreConfig =
  { readonly kind: 's3'; readonly bucket: string } | { readonly kind: 'local'; readonly dir: string };

export type EcsBridgeConfig =
  | { readonly enabled: false }
  | {
      readonly enabled: true;
      readonly configFile: string;
      readonly socketPath: string;
      readonly agentImage: string;
      /** Host dirs mounted into the agent container at /log, /data and /etc/ecs. */
      readonly agentHostDirs: { readonly log: string; readonly data: string; readonly config: string };
    };

/** The validated settings; every field has its final value (defaults applied). */
export interface HostServiceConfig {
  readonly appEnv: AppEnvName;
  readonly port: number;
  readonly host: string;
  readonly fractalDir: string;
  readonly fractalPrivateDir: string;
  readonly webserverAuthSecret: string;
  readonly webserverUrl: string;
  /** null: a fresh random 55–65 s before each beat. */
  readonly heartbeatIntervalMs: number | null;
  readonly userConfigs: UserConfigsStoreConfig;
  readonly uinput: UinputMode;
  readonly containerUid: number;
  readonly useProdLogging: boolean;
  readonly logLevel: LogLevel;
  readonly sentryDsn?: string;
  readonly logzio?: { readonly token: string; readonly listenerUrl?: string };
  readonly ecsBridge: EcsBridgeConfig;
  readonly imdsEndpoint: string;
  /** Real dirs under which `mount_command` sources may lie; empty: every mount is refused. */
  readonly mountAllowedRoots: readonly string[];
  readonly apiLimits: ApiLimits;
}

/** Concurrent connections the HTTPS API accepts (further capped by the fd limit at start). */
export interface ApiLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

/** The ECS agent's introspection port; kept away from containers like our own port. */
export const ECS_AGENT_PORT = 51678;
