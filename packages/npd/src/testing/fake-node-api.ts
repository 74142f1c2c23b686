import { KubeApiError } from '../errors.ts';
import type { ApiEvent, ApiNodeCondition, NodeApi, PodRef } from '../exporters/node-api.ts';

/** In-memory NodeApi: records every call; `injectError()` makes the next calls fail. */
export class FakeNodeApi implements NodeApi {
  readonly patches: ApiNodeCondition[][] = [];
  readonly created: ApiEvent[] = [];
  readonly eventPatches: { name: string; patch: Partial<ApiEvent> }[] = [];
  getNodeCalls = 0;
  listPodsCalls = 0;
  /** What listPodsOnNode returns. */
  pods: PodRef[] = [];
  #errors: Partial<Record<keyof NodeApi, number>> = {};
  uid = 'uid-1234';

  /** The next `times` calls of `method` fail (HTTP 500, or `status`). */
  injectError(method: keyof NodeApi, times = 1): void {
    this.#errors[method] = (this.#errors[method] ?? 0) + times;
  }

  #maybeFail(method: keyof NodeApi, status = 500): void {
    const left = this.#errors[method] ?? 0;
    if (left > 0) {
      this.#errors[method] = left - 1;
      throw new KubeApiError(`${method}: injected failure`, { status });
    }
  }

  async getNode(_name: string): Promise<{ uid: string }> {
    this.getNodeCalls++;
    this.#maybeFail('getNode');
    return { uid: this.uid };
  }
  async patchNodeStatus(_name: string, conditions: readonly ApiNodeCondition[]): Promise<void> {
    this.#maybeFail('patchNodeStatus');
    this.patches.push([...conditions]);
  }
  async createEvent(_namespace: string, event: ApiEvent): Promise<void> {
    this.#maybeFail('createEvent');
    this.created.push(event);
  }
  async listPodsOnNode(_nodeName: string): Promise<PodRef[]> {
    this.listPodsCalls++;
    this.#maybeFail('listPodsOnNode');
    return [...this.pods];
  }
  async patchEvent(_namespace: string, name: string, patch: Partial<ApiEvent>): Promise<void> {
    this.#maybeFail('patchEvent', 404);
    this.eventPatches.push({ name, patch });
  }
}
