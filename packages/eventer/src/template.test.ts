import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_WEBHOOK_BODY } from './sinks/webhook.ts';
import { compileTemplate, goTimeString } from './template.ts';
import { testEvent } from './testing/memory-sink.ts';

test('renders kube-eventer fields, Go time format and embedded metadata', () => {
  const event = testEvent({
    namespace: 'ns1',
    name: 'pod-a.1',
    reason: 'Killing',
    message: 'Stopping',
    type: 'Normal',
    kind: 'Pod',
    timestamp: Date.UTC(2024, 0, 2, 3, 4, 5),
  });
  const t = compileTemplate(
    '{{ .Type }}|{{.InvolvedObject.Kind}}|{{ .Reason }}|{{ .Message }}|{{ .LastTimestamp }}|{{ .Namespace }}|{{ .Name }}|{{ .Count }}|{{ .Nope }}',
    { source: 't' },
  );
  assert.equal(t.render(event), 'Normal|Pod|Killing|Stopping|2024-01-02 03:04:05 +0000 UTC|ns1|pod-a.1|1|<no value>');
});

test('json escaping keeps the default body valid JSON with quotes and newlines in the message', () => {
  const event = testEvent({ message: 'say "hi"\nbye', reason: 'X', kind: 'Node', type: 'Warning' });
  const body = compileTemplate(DEFAULT_WEBHOOK_BODY, { source: 't', escape: 'json' }).render(event);
  const parsed = JSON.parse(body);
  assert.equal(parsed.EventMessage, 'say "hi"\nbye');
  assert.equal(parsed.EventKind, 'Node');
  assert.equal(parsed.EventType, 'Warning');
  assert.equal(parsed.EventReason, 'X');
});

test('unsupported actions are a config error at compile time', () => {
  assert.throws(() => compileTemplate('{{ if .Type }}x{{ end }}', { source: 'sinks[0]' }), /unsupported template action/);
});

test('goTimeString matches Go time.Time.String for UTC', () => {
  assert.equal(goTimeString(Date.UTC(2023, 10, 14, 22, 13, 20)), '2023-11-14 22:13:20 +0000 UTC');
  assert.equal(goTimeString(Date.UTC(2023, 10, 14, 22, 13, 20, 500)), '2023-11-14 22:13:20.5 +0000 UTC');
});

test('printf "%q" quotes values (not escaped twice), and {{- -}} trims whitespace', () => {
  const event = testEvent({ message: 'say "hi"', reason: 'R' });
  const t = compileTemplate(
    '{\n  "m": {{ printf "%q" .Message }},\n  "r": "{{- .Reason -}}  " ,"n": {{ printf "%s-%d%%" .Reason .Count }}}',
    {
      source: 't',
      escape: 'json',
    },
  );
  const out = t.render(event);
  assert.equal(out, '{\n  "m": "say \\"hi\\"",\n  "r": "R" ,"n": R-1%}');
});
