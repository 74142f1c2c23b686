import { type Clock, type Logger, systemClock } from '@ack-npd/core';
import { POD_OOM_REASON, type PodOomKill, parsePodOomKill, podOomMessage } from '../checks/pod-oom.ts';
import type { NpdMetrics } from '../metrics.ts';
import type { Exporter, ProblemEvent, Status } from '../types.ts';
import { ConditionManager } from './condition-manager.ts';
import { EventRecorder, type InvolvedNode, type InvolvedObject } from './event-recorder.ts';
import type { NodeApi, PodRef } from './node-api.ts';

export interface K8sExporterOptions {
  readonly nodeName: string;
  readonly api: NodeApi;
  readonly logger: Logger;
  readonly metrics: NpdMetrics;
  readonly clock?: Clock;
  /** --k8s-exporter-heartbeat-period (NPD: 5m). */
  readonly heartbeatMs: number;
  /** How often the condition manager looks for work (NPD's updatePeriod, 1s). */
  readonly updatePeriodMs?: number;
  readonly resyncMs?: number;
  /** Cap of the wait-for-apiserver backoff. */
  readonly maxBackoffMs?: number;
  /** Events spam filter (see EventRecorder). */
  readonly spamBurst?: number;
  readonly spamRefillMs?: number;
  /** How long the list of this node's pods is reused to find an OOM-killed pod (default 10s). */
  readonly podCacheMs?: number;
}

export { POD_OOM_REASON };

export interface K8sExporter extends Exporter {
  /** Waits for the apiserver (GET the node, backoff), then syncs conditions until the signal aborts. */
  start(signal: AbortSignal): Promise<void>;
  /** Resolves when the node was found. */
  readonly ready: Promise<void>;
}

/**
 * NPD's Kubernetes exporter: node conditions through the condition manager (change, retry,
 * heartbeat), events through the recorder (involvedObject = the Node with its UID, source
 * component = the status's source, host = node name). A PodOOMKilling event whose message is a
 * pod's OOM record block goes on that Pod (found by UID among this node's pods) instead.
 */
export function createK8sExporter(options: K8sExporterOptions): K8sExporter {
  const clock = options.clock ?? systemClock;
  const logger = options.logger.child({ component: 'k8s-exporter', node: options.nodeName });
  const manager = new ConditionManager({
    heartbeatMs: options.heartbeatMs,
    ...(options.resyncMs !== undefined ? { resyncMs: options.resyncMs } : {}),
    logger,
    patch: (conditions) => options.api.patchNodeStatus(options.nodeName, conditions),
    onPatch: (ok) => options.metrics.nodeStatusPatches.inc({ result: ok ? 'success' : 'failure' }),
  });
  const recorder = new EventRecorder({
    create: (namespace, event) => options.api.createEvent(namespace, event),
    patch: (namespace, name, patch) => options.api.patchEvent(namespace, name, patch),
    logger,
    onResult: (result) => options.metrics.events.inc({ result }),
    onDrop: (cause) => options.metrics.eventsDropped.inc({ cause }),
    ...(options.spamBurst !== undefined ? { spamBurst: options.spamBurst } : {}),
    ...(options.spamRefillMs !== undefined ? { spamRefillMs: options.spamRefillMs } : {}),
  });
  let node: InvolvedNode | undefined;
  const early: { source: string; event: ProblemEvent }[] = [];
  const pending = new Set<Promise<void>>();
  let pods: { at: number; byUid: Map<string, PodRef> } | undefined;
  let listing: Promise<Map<string, PodRef>> | undefined;

  /** This node's pods by UID: the cached list, refreshed when older than podCacheMs or when the UID is not in it. */
  const findPod = async (uid: string): Promise<PodRef | undefined> => {
    const now = clock.now();
    const fresh = pods && now - pods.at < (options.podCacheMs ?? 10_000);
    const cached = pods?.byUid.get(uid);
    if (fresh && cached) return cached;
    // A pod that just started is not in an older list: list again (one list at a time).
    listing ??= options.api
      .listPodsOnNode(options.nodeName)
      .then((list) => {
        const byUid = new Map(list.map((pod) => [pod.uid, pod]));
        pods = { at: clock.now(), byUid };
        return byUid;
      })
      .finally(() => {
        listing = undefined;
      });
    return (await listing).get(uid);
  };

  /** PodOOMKilling → an event on the Pod (in its namespace), or on the Node naming the UID when the pod is not found. */
  const recordPodOom = async (on: InvolvedNode, source: string, event: ProblemEvent, kill: PodOomKill): Promise<void> => {
    let pod: PodRef | undefined;
    try {
      pod = await findPod(kill.podUid);
    } catch (error) {
      logger.warn({ uid: kill.podUid, err: error instanceof Error ? error.message : String(error) }, 'cannot list pods');
    }
    if (!pod) {
      const message = podOomMessage(kill, `${kill.podUid} (not found on node ${options.nodeName})`, event.message);
      recorder.record(on, source, { ...event, message }, clock.now());
      return;
    }
    const message = podOomMessage(kill, `${pod.namespace}/${pod.name} (${pod.uid})`, event.message);
    const target: InvolvedObject = { kind: 'Pod', namespace: pod.namespace, name: pod.name, uid: pod.uid, host: options.nodeName };
    recorder.record(target, source, { ...event, message }, clock.now());
  };

  const record = (on: InvolvedNode, source: string, event: ProblemEvent): void => {
    const kill = event.reason === POD_OOM_REASON ? parsePodOomKill(event.message) : undefined;
    if (!kill) {
      recorder.record(on, source, event, clock.now());
      return;
    }
    const job = recordPodOom(on, source, event, kill).finally(() => pending.delete(job));
    pending.add(job);
  };
  const flush = async (): Promise<void> => {
    while (pending.size > 0) await Promise.all(pending);
    await recorder.flush();
  };
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  const waitForApiserver = async (signal: AbortSignal): Promise<InvolvedNode | undefined> => {
    let backoff = 1000;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const { uid } = await options.api.getNode(options.nodeName);
        logger.info({ uid, attempt }, 'apiserver reachable, node found');
        return { name: options.nodeName, uid };
      } catch (error) {
        logger.warn(
          { attempt, retryInMs: backoff, err: error instanceof Error ? error.message : String(error) },
          'waiting for the apiserver',
        );
      }
      try {
        await clock.sleep(backoff, signal);
      } catch {
        return undefined;
      }
      backoff = Math.min(backoff * 2, options.maxBackoffMs ?? 30_000);
    }
    return undefined;
  };

  return {
    name: 'k8s',
    ready,
    async start(signal) {
      node = await waitForApiserver(signal);
      if (!node) return;
      markReady();
      for (const { source, event } of early.splice(0)) record(node, source, event);
      const period = options.updatePeriodMs ?? 1000;
      while (!signal.aborted) {
        await manager.tick(clock.now());
        try {
          await clock.sleep(period, signal);
        } catch {
          break;
        }
      }
      await flush();
    },
    async export(status: Status) {
      manager.update(status.conditions);
      for (const event of status.events) {
        if (node) record(node, status.source, event);
        else if (early.length < 1000) early.push({ source: status.source, event });
        else options.metrics.eventsDropped.inc({ cause: 'queue_full' });
      }
    },
    async close() {
      await flush();
    },
  };
}
