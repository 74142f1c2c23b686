import { readFile, rename, writeFile } from 'node:fs/promises';
import { ProjectError } from '@ack-npd/core';
import type { KubeClient } from '@ack-npd/core/kube-lite';
import { KubeApiError } from './errors.ts';
import { kubeJson } from './kube-http.ts';
import type { ShippedEntry } from './shipped.ts';

/**
 * What every sink has accepted (sent, or durably spooled): the resourceVersion the watch
 * may resume from, and the shipped index (see shipped.ts) that dedupes a relist.
 */
export interface Checkpoint {
  readonly version: 1;
  /** Every event up to this resourceVersion is done; "" when unknown. */
  readonly resourceVersion: string;
  readonly horizon: number;
  readonly shipped: readonly ShippedEntry[];
  /** Who wrote it, for operators. */
  readonly writer: string;
  readonly savedAt: string;
}

export interface CheckpointStore {
  readonly description: string;
  load(): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
}

const KEY = 'checkpoint.json';

function parse(text: string): Checkpoint | undefined {
  const data = JSON.parse(text) as Partial<Checkpoint>;
  if (data.version !== 1) return undefined;
  return {
    version: 1,
    resourceVersion: String(data.resourceVersion ?? ''),
    horizon: Number(data.horizon ?? 0),
    shipped: Array.isArray(data.shipped) ? data.shipped : [],
    writer: String(data.writer ?? ''),
    savedAt: String(data.savedAt ?? ''),
  };
}

/** A local JSON file, replaced atomically (write + rename). For a single replica. */
export class FileCheckpointStore implements CheckpointStore {
  readonly #path: string;
  constructor(path: string) {
    this.#path = path;
  }
  get description(): string {
    return `file:${this.#path}`;
  }
  async load(): Promise<Checkpoint | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parse(text);
  }
  async save(checkpoint: Checkpoint): Promise<void> {
    const tmp = `${this.#path}.tmp`;
    await writeFile(tmp, JSON.stringify(checkpoint), { flush: true });
    await rename(tmp, this.#path);
  }
}

interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; resourceVersion?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
}

/** Another replica wrote the checkpoint since this one last read or wrote it. */
export class CheckpointConflictError extends ProjectError {
  constructor(store: string) {
    super('ERR_CHECKPOINT_CONFLICT', `${store}: written by another replica since this one read it; not overwriting it`);
  }
}

/**
 * A ConfigMap (key `checkpoint.json`), shared by the replicas: the leader writes, a new
 * leader reads it on takeover. Every write is conditional on the resourceVersion this
 * replica last read or wrote (optimistic concurrency), so a replica that lost the lease can
 * never clobber what a newer leader wrote: it gets CheckpointConflictError instead.
 */
export class ConfigMapCheckpointStore implements CheckpointStore {
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #name: string;
  /** The ConfigMap's resourceVersion as last read or written; "" when it did not exist; undefined before a load. */
  #resourceVersion: string | undefined;
  /** A write conflicted: no more writes until the next load. */
  #conflict = false;

  constructor(options: { kube: KubeClient; namespace: string; name: string }) {
    this.#kube = options.kube;
    this.#namespace = options.namespace;
    this.#name = options.name;
  }
  get description(): string {
    return `configmap:${this.#namespace}/${this.#name}`;
  }
  #path(name = this.#name): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.#namespace)}/configmaps${name ? `/${encodeURIComponent(name)}` : ''}`;
  }
  async load(): Promise<Checkpoint | undefined> {
    try {
      const cm = await kubeJson<ConfigMap>(this.#kube, this.#path());
      this.#resourceVersion = cm.metadata.resourceVersion ?? '';
      this.#conflict = false;
      const text = cm.data?.[KEY];
      return text ? parse(text) : undefined;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        this.#resourceVersion = '';
        this.#conflict = false;
        return undefined;
      }
      throw error;
    }
  }
  async save(checkpoint: Checkpoint): Promise<void> {
    if (this.#conflict) throw new CheckpointConflictError(this.description);
    if (this.#resourceVersion === undefined) await this.load();
    const metadata = {
      name: this.#name,
      namespace: this.#namespace,
      labels: { 'app.kubernetes.io/managed-by': 'ack-npd-eventer' },
    };
    const data = { [KEY]: JSON.stringify(checkpoint) };
    try {
      let written: ConfigMap | undefined;
      if (this.#resourceVersion !== '') {
        const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...metadata, resourceVersion: this.#resourceVersion }, data };
        try {
          written = await kubeJson<ConfigMap>(this.#kube, this.#path(), { method: 'PUT', body });
        } catch (error) {
          // Deleted (by hand): created again below, still fenced by the create's 409.
          if (!(error instanceof KubeApiError && error.status === 404)) throw error;
        }
      }
      written ??= await kubeJson<ConfigMap>(this.#kube, this.#path(''), {
        method: 'POST',
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data },
      });
      this.#resourceVersion = written.metadata.resourceVersion ?? '';
    } catch (error) {
      // 409: a stale resourceVersion, or created by another replica meanwhile: not ours to
      // write any more; the next load (a new term) reads the current state.
      if (error instanceof KubeApiError && error.status === 409) {
        this.#conflict = true;
        throw new CheckpointConflictError(this.description);
      }
      throw error;
    }
  }
}

/** In memory, for tests. */
export class MemoryCheckpointStore implements CheckpointStore {
  value: Checkpoint | undefined;
  saves = 0;
  readonly description = 'memory';
  async load(): Promise<Checkpoint | undefined> {
    return this.value;
  }
  async save(checkpoint: Checkpoint): Promise<void> {
    this.value = structuredClone(checkpoint);
    this.saves++;
  }
}
