import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeSuite } from '../testing/store-suite.ts';
import { openStore } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'eventcenter-sqlite-'));
storeSuite(
  'sqlite',
  () => openStore({ backend: 'sqlite', path: join(dir, 'events.db') }),
  async () => rmSync(dir, { recursive: true, force: true }),
);
