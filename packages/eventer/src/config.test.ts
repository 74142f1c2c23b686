import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@ack-npd/core';
import { buildConfig, expandEnv, parseBytes, parseSinkSpec } from './config.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eventer-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('sink specs: key, endpoint, repeatable query values, $VAR and braced-VAR expansion', () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: kube-eventer's ${VAR} syntax under test
  const spec = parseSinkSpec('dingtalk:https://oapi.dingtalk.com/robot/send?access_token=$TOKEN&label=a&label=${LABEL}', {
    env: { TOKEN: 't0k', LABEL: 'b' },
  });
  assert.equal(spec.key, 'dingtalk');
  assert.equal(spec.endpoint?.href, 'https://oapi.dingtalk.com/robot/send');
  assert.equal(spec.query.get('access_token'), 't0k');
  assert.deepEqual(spec.query.getAll('label'), ['a', 'b']);
  const wechat = parseSinkSpec('wechat:?corp_id=x', { env: {} });
  assert.equal(wechat.endpoint, undefined);
  assert.equal(wechat.query.get('corp_id'), 'x');
  assert.equal(expandEnv(['$A-$', '{B}'].join(''), { A: '1', B: '2' }, 'x'), '1-2');
  assert.throws(() => expandEnv('$NOPE', {}, '--sink=x'), /\$NOPE is not set/);
  assert.equal(expandEnv('a$$b', {}, 'x'), 'a$b');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the ${VAR:-default} syntax under test
  assert.equal(expandEnv('[${OPT:-}|${OPT:-d}|${SET:-d}]', { SET: 's' }, 'x'), '[|d|s]');
});

test('sink specs: a secret holding + & % # expands as data, neither corrupting the URI nor adding options', () => {
  const secret = 'a+b&level=Normal%20#x';
  const webhook = parseSinkSpec('webhook:https://h/x?level=Warning&header=Authorization=Bearer%20$TOKEN&header=$HEADERS', {
    env: { TOKEN: secret, HEADERS: `X-Sig=${secret}\nX-Team=ops` },
  });
  assert.deepEqual(webhook.query.getAll('header'), [`Authorization=Bearer ${secret}`, `X-Sig=${secret}\nX-Team=ops`]);
  assert.deepEqual(webhook.query.getAll('level'), ['Warning']);
  assert.equal(webhook.endpoint?.href, 'https://h/x');
  const dingtalk = parseSinkSpec('dingtalk:https://oapi.dingtalk.com/robot/send?access_token=$DINGTALK_TOKEN&sign=$DINGTALK_SECRET', {
    env: { DINGTALK_TOKEN: 't+k&sign=forged#', DINGTALK_SECRET: 'SEC%2F+/=' },
  });
  assert.deepEqual(dingtalk.query.getAll('access_token'), ['t+k&sign=forged#']);
  assert.deepEqual(dingtalk.query.getAll('sign'), ['SEC%2F+/=']);
  // A whole URL from a Secret keeps its own query; the sink options follow it.
  const whole = parseSinkSpec('webhook:$WEBHOOK_URL?level=Warning', { env: { WEBHOOK_URL: 'https://h/hook?sig=a%2Bb&x=1' } });
  assert.equal(whole.endpoint?.href, 'https://h/hook');
  assert.deepEqual(
    [...whole.query],
    [
      ['sig', 'a+b'],
      ['x', '1'],
      ['level', 'Warning'],
    ],
  );
  // Inside the URL a value is percent-encoded (path separators kept).
  const path = parseSinkSpec('webhook:https://user:$PASS@h/hooks/$HOOK_PATH?level=Warning', {
    env: { PASS: 'p@ss#?', HOOK_PATH: 'T0/B0/x y?z#%' },
  });
  assert.equal(path.endpoint?.pathname, '/hooks/T0/B0/x%20y%3Fz%23%25');
  assert.equal(decodeURIComponent(path.endpoint?.password ?? ''), 'p@ss#?');
  assert.deepEqual([...path.query], [['level', 'Warning']]);
});

test('flags: kube-eventer defaults, names for repeated kinds, every problem reported at once', () => {
  const config = buildConfig({ sink: ['log', 'webhook:http://a/x', 'webhook:http://b/y'] }, {}, 'host');
  assert.equal(config.frequencyMs, 30_000);
  assert.equal(config.healthzPort, 8084);
  assert.deepEqual(
    config.sinks.map((p) => p.spec.name),
    ['log', 'webhook', 'webhook-2'],
  );
  assert.equal(config.checkpoint, 'none');
  assert.equal(
    buildConfig({ sink: ['log'], 'leader-elect': true }, { POD_NAMESPACE: 'ops' }, 'h').checkpoint,
    'configmap:ops/ack-npd-eventer-checkpoint',
  );
  assert.equal(buildConfig({ sink: ['log'], 'spool-dir': '/s' }, {}, 'h').checkpoint, 'file:/s/checkpoint.json');
  const error = (() => {
    try {
      buildConfig({ sink: [], 'log-level': 'loud', 'healthz-port': 'x', source: 'kafka:x', checkpoint: 'etcd:x' }, {}, 'h');
    } catch (e) {
      return e;
    }
  })();
  assert.ok(error instanceof ConfigError);
  assert.deepEqual(error.issues.map((i) => i.path).sort(), ['--checkpoint', '--healthz-port', '--log-level', '--sink', '--source']);
  assert.equal(parseBytes('256Mi'), 256 * 1024 * 1024);
});

test('YAML config: sinks with names, options and routes; validation errors carry paths', async () => {
  const good = join(dir, 'good.yaml');
  await writeFile(
    good,
    `frequency: 5s
spoolDir: /tmp/spool
spoolMaxBytes: 1Mi
sinks:
  - name: ops
    uri: webhook:https://hooks.example.com/k8s?method=POST
    options: { body_template: '{"t":"{{ .Reason }}"}' }
    repeatWindow: 5m
    route:
      drop: [{ namespaces: [kube-system] }]
      routes:
        - match: [{ level: Warning, reasons: ["^Evict"] }]
`,
  );
  const config = buildConfig({ config: good }, {}, 'h');
  assert.equal(config.frequencyMs, 5000);
  assert.equal(config.spoolMaxBytes, 1024 * 1024);
  const [plan] = config.sinks;
  assert.equal(plan?.spec.name, 'ops');
  assert.equal(plan?.repeatWindowMs, 300_000);
  assert.equal(plan?.spec.query.get('body_template'), '{"t":"{{ .Reason }}"}');
  assert.ok(plan?.route?.routes?.[0]?.match?.[0]?.reasons?.[0] instanceof RegExp);
  const bad = join(dir, 'bad.yaml');
  await writeFile(bad, 'frequency: later\nsinks:\n  - uri: log\n    route: { match: [{ reasons: ["("] }] }\n    colour: red\n');
  assert.throws(
    () => buildConfig({ config: bad }, {}, 'h'),
    (e: unknown) =>
      e instanceof ConfigError &&
      /frequency/.test(e.message) &&
      /sinks\[0\]\.route\.match\[0\]\.reasons\[0\]/.test(e.message) &&
      /colour/.test(e.message),
  );
});

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--conditions=development', main, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, KUBECONFIG: join(dir, 'none') },
  });

test('bad flags and configs exit 2 with a message naming the sink and option', async () => {
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
  );
  const source = `--source=kubernetes:http://127.0.0.1:1?inClusterConfig=false&auth=${kubeconfig}`;
  const cases: [string[], RegExp][] = [
    [['--bogus'], /--bogus: unknown flag \(see --help\)/],
    // Bad values name the flag and exit 2: never a stack trace.
    [[source, '--sink=log', '--log-level=bogus'], /--log-level: "bogus" is not one of fatal, error, warn, info, debug, trace, silent/],
    [[source, '--sink=log', '--leader-elect=yes'], /--leader-elect: "yes" is not a boolean \(true or false\)/],
    [[source, '--sink=log', '--frequency=-1s'], /--frequency: "-1s" is negative/],
    [[source, '--sink=webhook:http://127.0.0.1:1/x?insecure=yes'], /webhook\?insecure: "yes" is not a boolean: must be true or false/],
    [[source], /at least one --sink/],
    [[source, '--sink=webhook:http://x/y?method=DELETE'], /webhook\?method/],
    [[source, '--sink=pagerduty:?key=x'], /unknown sink "pagerduty"; supported: log, stdout, webhook/],
    [[source, '--sink=kafka:?brokers=x'], /--sink=kafka:\n {2}- brokers\[0\]: brokers must be host:port/],
    [[source, '--sink=webhook:$UNSET_VAR_X'], /UNSET_VAR_X is not set/],
    [[source, '--sink=log', '--frequency=often'], /--frequency/],
    [['--source=kubernetes:http://127.0.0.1:1?inClusterConfig=false&auth=/nope', '--sink=log'], /\/nope does not exist/],
    [[source, '--sink=log', `--config=${join(dir, 'missing.yaml')}`], /cannot read/],
  ];
  for (const [args, pattern] of cases) {
    const result = run(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(' '));
    assert.doesNotMatch(result.stderr, /^\s+at /m, `no stack trace: ${args.join(' ')}`);
  }
  // Go's flag syntax: one dash, Go booleans and Go durations are accepted (the run then fails on the unreachable apiserver only).
  const goStyle = run(source, '-sink=log', '--leader-elect=0', '--frequency=.5s', '--event-ttl=1.5h', '--help=false', '-h');
  assert.equal(goStyle.status, 0, goStyle.stderr);
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--sink=KEY:URI/);
});
