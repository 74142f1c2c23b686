import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ConfigError } from '@ack-npd/core';
import type { ClusterClient } from '@ack-npd/testkit';
import { sharedCluster } from '@ack-npd/testkit';
import { MARIADB_USER, type SharedServer, sharedServer } from '@ack-npd/testkit/servers/index';
import { createConnection } from 'mysql2/promise';
import { SinkError } from '../errors.ts';
import { shipThroughPeerRestart } from '../testing/data-sink-e2e.ts';
import { kubeEvent, manualClock, sinkContext, specFrom } from './fixtures/aliyun-sink-events.ts';
import { createMysqlSink, eventToRow, parseMysqlOptions } from './mysql.ts';

describe('mysql options (kube-eventer DSN)', () => {
  test('the documented example parses: user, password, tcp(host:port), database, charset, table', () => {
    const options = parseMysqlOptions(specFrom('mysql', '?root:transwarp@tcp(127.0.0.1:3306)/kube_eventer?charset=utf8&table=kube_event'));
    assert.deepEqual(options, {
      host: '127.0.0.1',
      port: 3306,
      user: 'root',
      password: 'transwarp',
      database: 'kube_eventer',
      table: 'kube_event',
      charset: 'utf8',
      connectTimeoutMs: 10_000,
    });
  });
  test('a password with @ and :, default table, Go timeout', () => {
    const options = parseMysqlOptions(specFrom('mysql', '?u:p@ss:w@tcp(db:3307)/events?timeout=5s'));
    assert.equal(options.password, 'p@ss:w');
    assert.equal(options.table, 'kube_event');
    assert.equal(options.connectTimeoutMs, 5000);
  });
  test('bad DSNs are ConfigErrors naming the option', () => {
    for (const [uri, path] of [
      ['?root@127.0.0.1:3306/db', 'mysql?dsn'],
      ['?u:p@tcp(h:1)/', 'mysql?dsn'],
      ['?u:p@tcp(h:1)/db?table=a;drop', 'mysql?table'],
      ['?u:p@tcp(h:1)/db?nope=1', 'mysql?nope'],
    ] as const) {
      assert.throws(
        () => parseMysqlOptions(specFrom('mysql', uri)),
        (error: unknown) => error instanceof ConfigError && error.issues[0]?.path === path,
        uri,
      );
    }
  });
  test('a row carries kube-eventer columns plus count and change', () => {
    const row = eventToRow(kubeEvent());
    assert.equal(row[6], '6f1c2a4e-0000-4000-8000-000000000001');
    assert.equal(row[8], '2023-11-14 22:13:20 +0000 UTC');
    assert.deepEqual(row.slice(9), [3, 'added']); // the fixture's count
  });
});

describe('mysql sink against MariaDB', { timeout: 400_000 }, () => {
  let server: SharedServer;
  let cluster: ClusterClient;
  const dsn = (table: string) =>
    `?${MARIADB_USER.user}:${MARIADB_USER.password}@tcp(127.0.0.1:${server.info.port})/${MARIADB_USER.database}?charset=utf8mb4&table=${table}`;
  const query = async (sql: string, params: unknown[] = []) => {
    const connection = await createConnection({
      host: '127.0.0.1',
      port: server.info.port,
      user: MARIADB_USER.user,
      password: MARIADB_USER.password,
      database: MARIADB_USER.database,
    });
    try {
      return (await connection.query(sql, params))[0] as Record<string, unknown>[];
    } finally {
      await connection.end();
    }
  };
  before(async () => {
    [server, cluster] = await Promise.all([sharedServer('mariadb'), sharedCluster()]);
  });

  test('creates the table, inserts a batch, and a retried batch adds nothing', async () => {
    const sink = await createMysqlSink(specFrom('mysql', dsn('unit_events')), sinkContext(manualClock(0)));
    try {
      const batch = [kubeEvent({ uid: 'u-1' }), kubeEvent({ uid: 'u-2', message: "quote ' and <b>" })];
      await sink.send(batch, AbortSignal.timeout(30_000));
      await sink.send(batch, AbortSignal.timeout(30_000));
      const rows = await query('SELECT event_id, count, change_type, message, kind, name FROM unit_events ORDER BY event_id');
      assert.deepEqual(
        rows.map((r) => [r.event_id, r.count, r.change_type]),
        [
          ['u-1', 3, 'added'],
          ['u-2', 3, 'added'],
        ],
      );
      assert.equal(rows[1]?.message, "quote ' and <b>");
      assert.equal(rows[0]?.kind, 'Pod');
    } finally {
      await sink.close();
    }
  });

  test("kube-eventer's own table gains count, change_type and the unique key", async () => {
    await query('DROP TABLE IF EXISTS legacy_events');
    await query(
      "CREATE TABLE legacy_events (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, namespace varchar(255) DEFAULT '', kind varchar(255) DEFAULT '', name varchar(255) DEFAULT '', type varchar(255) DEFAULT '', reason varchar(255) DEFAULT '', message varchar(255) DEFAULT '', event_id varchar(255) DEFAULT '', first_occurrence_time varchar(255) DEFAULT '', last_occurrence_time varchar(255) DEFAULT '', update_time timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    );
    const sink = await createMysqlSink(specFrom('mysql', dsn('legacy_events')), sinkContext(manualClock(0)));
    try {
      await sink.send([kubeEvent({ uid: 'l-1' })], AbortSignal.timeout(30_000));
      await sink.send([kubeEvent({ uid: 'l-1' })], AbortSignal.timeout(30_000));
      assert.deepEqual(await query('SELECT event_id, count FROM legacy_events'), [{ event_id: 'l-1', count: 3 }]);
    } finally {
      await sink.close();
    }
  });

  test('wrong password is a permanent SinkError; a closed port a retryable one', async () => {
    const bad = await createMysqlSink(
      specFrom('mysql', `?${MARIADB_USER.user}:wrong@tcp(127.0.0.1:${server.info.port})/${MARIADB_USER.database}`),
      sinkContext(manualClock(0)),
    );
    await assert.rejects(bad.send([kubeEvent()], AbortSignal.timeout(30_000)), (e: unknown) => e instanceof SinkError && !e.retryable);
    await bad.close();
    const closed = await createMysqlSink(specFrom('mysql', '?u:p@tcp(127.0.0.1:1)/db'), sinkContext(manualClock(0)));
    await assert.rejects(closed.send([kubeEvent()], AbortSignal.timeout(30_000)), (e: unknown) => e instanceof SinkError && e.retryable);
    await closed.close();
  });

  test('events from the real control plane reach MariaDB across a database restart, none lost or duplicated', async () => {
    const { stored } = await shipThroughPeerRestart({
      cluster,
      server,
      name: 'mysql',
      sink: () => `mysql:${dsn('kube_event')}`,
      dedupes: true,
      readBack: async (namespace) => {
        const rows = await query('SELECT event_id, count FROM kube_event WHERE namespace = ?', [namespace]).catch(() => []);
        return rows.map((row) => `${row.event_id}/${row.count}`);
      },
    });
    assert.ok(stored.length >= 63);
  });
});
