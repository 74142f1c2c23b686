/** Every error this project raises on purpose carries a stable `code`. */
export class ProjectError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export interface ConfigIssue {
  /** Where the bad value sits, e.g. `rules[2].timeout` or `--sink=dingtalk`. */
  readonly path: string;
  readonly message: string;
}

/** Bad configuration: lists every issue with its path so the operator can fix all at once. */
export class ConfigError extends ProjectError {
  readonly source: string;
  readonly issues: readonly ConfigIssue[];
  constructor(source: string, issues: readonly ConfigIssue[], options?: ErrorOptions) {
    super('ERR_CONFIG', formatIssues(source, issues), options);
    this.source = source;
    this.issues = issues;
  }
}

function formatIssues(source: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`);
  return `invalid configuration in ${source}:\n${lines.join('\n')}`;
}

/** The Kubernetes API refused or failed a request (`status` is the HTTP status when there was an answer). */
export class KubeApiError extends ProjectError {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super('ERR_KUBE_API', message, { cause: options.cause });
    this.status = options.status;
  }
}
