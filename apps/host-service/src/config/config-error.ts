import { StartupError } from '../util/startup-error';

/** Every invalid setting at once, so one restart fixes them all. */
export class ConfigError extends StartupError {
  override readonly name = 'ConfigError';
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super('INVALID_CONFIG', `invalid settings:\n  ${issues.join('\n  ')}`);
    this.issues = [...issues];
  }
}
