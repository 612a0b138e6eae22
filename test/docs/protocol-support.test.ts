import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { DOC_PATH, renderProtocolDoc } from '../../scripts/protocol-docs.ts';

test('docs/protocol-support.md matches the handler registry (regenerate: node scripts/protocol-docs.ts)', () => {
  assert.equal(fs.readFileSync(DOC_PATH, 'utf8'), renderProtocolDoc());
});
