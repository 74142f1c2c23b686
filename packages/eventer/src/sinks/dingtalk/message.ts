import type { KubeEvent } from '../../types.ts';
import { goEscape } from '../sls/event-json.ts';
import type { DingTalkOptions } from './options.ts';

/** Message bodies, as kube-eventer's sinks/dingtalk (dingtalk.go and markdownMsgBuilder.go) builds them. */

const TEXT_TEMPLATE = 'Level:%s \nKind:%s \nNamespace:%s \nName:%s \nReason:%s \nTimestamp:%s \nMessage:%s';
const CONSOLE = 'https://cs.console.aliyun.com/#/k8s';

export interface DingTalkMessage {
  readonly msgtype: string;
  readonly text: { readonly content: string };
  readonly markdown: { readonly title: string; readonly text: string };
}

/** Renders one event the way kube-eventer does for the configured msg_type. */
export function renderDingTalkMessage(
  event: KubeEvent,
  options: Pick<DingTalkOptions, 'msgType' | 'labels' | 'clusterId' | 'region'>,
): DingTalkMessage {
  if (options.msgType === 'markdown') {
    return {
      msgtype: 'markdown',
      text: { content: '' },
      markdown: { title: `Kubernetes(ID:${options.clusterId}) Event`, text: renderMarkdown(event, options) },
    };
  }
  let template = TEXT_TEMPLATE;
  for (const label of options.labels) template = `${label}\n${template}`;
  const values = [
    event.type,
    event.involvedObject.kind,
    event.namespace,
    event.name,
    event.reason,
    goDateTime(event.timestamp),
    event.message,
  ];
  let i = 0;
  const content = template.replace(/%s/g, () => values[i++] ?? '');
  return { msgtype: 'text', text: { content }, markdown: { title: '', text: '' } };
}

/** The JSON body kube-eventer posts (Go json.Marshal: struct order, HTML characters escaped). */
export function dingTalkBody(message: DingTalkMessage): string {
  return goEscape(
    JSON.stringify({
      msgtype: message.msgtype,
      text: { content: message.text.content },
      markdown: { title: message.markdown.title, text: message.markdown.text },
    }),
  );
}

function renderMarkdown(event: KubeEvent, options: Pick<DingTalkOptions, 'labels' | 'clusterId' | 'region'>): string {
  const { clusterId, region } = options;
  const ns = event.namespace;
  const name = event.name;
  const short = removeDotContent(name);
  const link = (url: string) => `[${name}](${url})`;
  let nameText: string;
  switch (event.involvedObject.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      nameText = link(`${CONSOLE}/${event.involvedObject.kind.toLowerCase()}/detail/${region}/${clusterId}/${ns}/${short}/pods`);
      break;
    case 'Pod':
      nameText = link(`${CONSOLE}/pod/${clusterId}/${ns}/${short}/container`);
      break;
    case 'CronJob':
      nameText = link(`${CONSOLE}/cronjob/detail/${region}/${clusterId}/${ns}/${short}/jobs`);
      break;
    case 'Service':
      nameText = link(`${CONSOLE}/service/detail/${region}/${clusterId}/${ns}/${short}`);
      break;
    default:
      nameText = name;
  }
  let text =
    `Level: **${event.type}** \n\nKind: **${event.involvedObject.kind}** \n\n` +
    `Namespace: [${ns}](${CONSOLE}/namespace) \n\nName: ${nameText} \n\n` +
    `Reason: **${event.reason}** \n\nTimestamp: **${goTimeString(event.timestamp)}** \n\n` +
    `Message: **${event.message}**`;
  const host = event.source.host;
  if (host.length > 0) {
    const parts = host.split('.');
    text =
      parts.length > 1
        ? `Node: [${host}](https://ecs.console.aliyun.com/#/server/${parts[1]}/detail?regionId=${parts[0]}) \n\n${text}`
        : `Node: **${host}** \n\n${text}`;
  }
  for (let index = options.labels.length - 1; index >= 0; index--) {
    const label = options.labels[index] as string;
    if (label.trim().length > 0) text = `label[${index}]: **${label}**\n\n${text}`;
  }
  return text;
}

function removeDotContent(name: string): string {
  const dot = name.indexOf('.');
  return dot > -1 ? name.slice(0, dot) : name;
}

/** Go `time.DateTime` ("2006-01-02 15:04:05"), in UTC (the container's zone). */
export function goDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Go `time.Time.String()` for a UTC time: "2006-01-02 15:04:05 +0000 UTC" (fraction only when non-zero). */
export function goTimeString(ms: number): string {
  const iso = new Date(ms).toISOString();
  const millis = iso.slice(20, 23);
  const fraction = millis === '000' ? '' : `.${millis.replace(/0+$/, '')}`;
  return `${iso.slice(0, 19).replace('T', ' ')}${fraction} +0000 UTC`;
}
