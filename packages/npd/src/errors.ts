import { ProjectError } from '@ack-npd/core';

export { ConfigError, type ConfigIssue, KubeApiError } from '@ack-npd/core';

/** A monitor's input (kmsg, journald, a log file) cannot be read; the monitor reports Unknown and retries. */
export class SourceUnavailableError extends ProjectError {
  readonly sourcePath: string;
  constructor(sourcePath: string, message: string, options?: ErrorOptions) {
    super('ERR_SOURCE_UNAVAILABLE', `${sourcePath}: ${message}`, options);
    this.sourcePath = sourcePath;
  }
}
