import type { KubeEvent, Sink, SinkContext, SinkFactory, SinkSpec } from '../../types.ts';
import { foldDingTalkEvents } from './fold.ts';
import { dingTalkBody, renderDingTalkMessage } from './message.ts';
import { DINGTALK_PER_MINUTE, parseDingTalkOptions } from './options.ts';
import { dingTalkQuery, postDingTalk } from './transport.ts';

export * from './fold.ts';
export * from './message.ts';
export * from './options.ts';
export * from './transport.ts';

export const createDingTalkSink: SinkFactory = (spec: SinkSpec, context: SinkContext): Sink => {
  const options = parseDingTalkOptions(spec);
  const logger = context.logger.child({ component: 'sink', sink: spec.name });
  const filter = {
    level: options.level,
    ...(options.namespaces ? { namespaces: options.namespaces } : {}),
    ...(options.kinds ? { kinds: options.kinds } : {}),
  };

  async function post(event: KubeEvent, signal: AbortSignal): Promise<void> {
    const body = dingTalkBody(renderDingTalkMessage(event, options));
    const url = `${options.endpoint}?${dingTalkQuery(options.accessToken, options.secret, context.clock.now())}`;
    await postDingTalk(url, body, {
      timeoutMs: options.timeoutMs,
      signal,
      sink: spec.name,
      onRefused: (info) => logger.warn(info, 'dingtalk refused a message'),
    });
  }

  return {
    name: spec.name,
    limits: { perMinute: DINGTALK_PER_MINUTE, maxBatch: 1 },
    filter,
    fold: foldDingTalkEvents,
    async send(batch, signal) {
      // maxBatch is 1; a larger batch (a caller ignoring limits) is sent one message each.
      for (const event of batch) await post(event, signal);
    },
    async close() {},
  };
};
