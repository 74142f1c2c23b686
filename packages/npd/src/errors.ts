import { ProjectError } from '@ack-npd/core';

export { ConfigError, type ConfigIssue } from '@ack-npd/core';

/** A monitor's input (kmsg, journald, a log file) cannot be read; the monitor reports Unknown and retries. */
export class SourceUnavailableError extends ProjectError {
  readonly sourcePath: string;
  constructor(sourcePath: string, message: string, options?: ErrorOptions) {
    super('ERR_SOURCE_UNAVAILABLE', `${sourcePath}: ${message}`, options);
    this.sourcePath = sourcePath;
  }
}

/** The Kubernetes API refused or failed a request. */
export class KubeApiError extends ProjectError {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super('ERR_KUBE_API', message, { cause: options.cause });
    this.status = options.status;
  }
}
