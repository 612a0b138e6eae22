import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { scramCredential } from '../../../src/broker/security/scram.ts';
import { parseUsers, readUsers, UserStore, writeUsers } from '../../../src/broker/security/users-file.ts';
import { tempDir } from '../../helpers/broker.ts';

const dir = tempDir('buzzline-users-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('users survive a write and a read, and the file holds no password', () => {
  const file = path.join(dir, 'round-trip.json');
  const alice = scramCredential('SCRAM-SHA-512', 'secret-pw', 4096);
  writeUsers(file, new Map([['alice', { 'SCRAM-SHA-512': alice }]]));
  assert.deepEqual(readUsers(file), new Map([['alice', { 'SCRAM-SHA-512': alice }]]));
  assert.ok(!fs.readFileSync(file, 'utf8').includes('secret-pw'));
  assert.deepEqual(readUsers(path.join(dir, 'absent.json'), true), new Map());
  assert.throws(() => readUsers(path.join(dir, 'absent.json')), /cannot read the users file .*absent\.json/);
});

test('a damaged users file is refused with the file, the user and the field', () => {
  const bad = (doc: string) => () => parseUsers('u.json', doc);
  assert.throws(bad('{'), /^Error: u\.json: not valid JSON/);
  assert.throws(bad('[]'), /u\.json: expected \{"users"/);
  assert.throws(bad('{"users":{"a":{"SCRAM-SHA-1":{}}}}'), /user "a": unknown mechanism "SCRAM-SHA-1"/);
  assert.throws(bad('{"users":{"a":{"SCRAM-SHA-256":{"salt":"AA==","iterations":4096,"storedKey":"!","serverKey":"AA=="}}}}'), /user "a" SCRAM-SHA-256 storedKey must be a base64 string/);
  assert.throws(bad('{"users":{"a":{}}}'), /user "a" has no credentials/);
});

test('the broker\'s store picks up changes at the next login and keeps the last good users over a broken file', () => {
  const file = path.join(dir, 'live.json');
  writeUsers(file, new Map([['alice', { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'a', 4096) }]]));
  const errors: string[] = [];
  const store = new UserStore(file, (err) => errors.push(err.message));
  assert.ok(store.get('alice', 'SCRAM-SHA-256'));
  assert.equal(store.get('bob', 'SCRAM-SHA-256'), undefined);
  const bob = scramCredential('SCRAM-SHA-512', 'b', 4096);
  writeUsers(file, new Map([['alice', { 'SCRAM-SHA-256': scramCredential('SCRAM-SHA-256', 'a', 4096) }], ['bob', { 'SCRAM-SHA-512': bob }]]));
  assert.deepEqual(store.any('bob'), { mechanism: 'SCRAM-SHA-512', credential: bob });
  fs.writeFileSync(file, '{"users": ');
  assert.deepEqual(store.any('bob'), { mechanism: 'SCRAM-SHA-512', credential: bob });
  assert.ok(store.get('alice', 'SCRAM-SHA-256'));
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? '', /live\.json: not valid JSON/);
});
