import assert from 'node:assert/strict';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { passwordMatches, scramCredential, ScramExchange } from '../../../src/broker/security/scram.ts';
import type { ScramCredential, ScramMechanism, Step } from '../../../src/broker/security/scram.ts';

// RFC 7677 section 3: user "user", password "pencil".
const RFC = {
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal: 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

const text = (s: Step) => (s.kind === 'fail' ? `fail: ${s.reason}` : s.response.toString());

// A SCRAM client as RFC 5802 describes it, independent of the server code under test.
function client(mechanism: ScramMechanism, user: string, password: string) {
  const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
  const size = hash === 'sha256' ? 32 : 64;
  const nonce = randomBytes(18).toString('base64');
  const bare = `n=${user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${nonce}`;
  return {
    first: `n,,${bare}`,
    nonce,
    final(serverFirst: string, opts: { nonce?: string } = {}): string {
      const attrs = Object.fromEntries(serverFirst.split(',').map((a) => [a[0], a.slice(2)]));
      const salted = pbkdf2Sync(password, Buffer.from(attrs.s as string, 'base64'), Number(attrs.i), size, hash);
      const clientKey = createHmac(hash, salted).update('Client Key').digest();
      const storedKey = createHash(hash).update(clientKey).digest();
      const withoutProof = `c=biws,r=${opts.nonce ?? attrs.r}`;
      const signature = createHmac(hash, storedKey).update(`${bare},${serverFirst},${withoutProof}`).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ (signature[i] as number)));
      return `${withoutProof},p=${proof.toString('base64')}`;
    },
  };
}

function exchange(mechanism: ScramMechanism, users: Record<string, ScramCredential>): ScramExchange {
  return new ScramExchange(mechanism, (u) => users[u]);
}

describe('SCRAM credentials and exchange', () => {
  test('RFC 7677 example: the stored credential and the whole exchange, byte for byte', () => {
    const credential = scramCredential('SCRAM-SHA-256', 'pencil', 4096, Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'));
    const server = new ScramExchange('SCRAM-SHA-256', (u) => (u === 'user' ? credential : undefined), () => RFC.serverNonce);
    assert.equal(text(server.step(Buffer.from(RFC.clientFirst))), RFC.serverFirst);
    const done = server.step(Buffer.from(RFC.clientFinal));
    assert.equal(done.kind, 'done');
    assert.equal(text(done), RFC.serverFinal);
    assert.equal(text(server.step(Buffer.from(RFC.clientFinal))), 'fail: SCRAM exchange already finished');
  });

  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    test(`${mechanism}: the right password logs in, a wrong one and an unknown user do not`, () => {
      const users = { 'a,b=c': scramCredential(mechanism, 'pässword', 4096) };
      const good = client(mechanism, 'a,b=c', 'pässword');
      const server = exchange(mechanism, users);
      const first = text(server.step(Buffer.from(good.first)));
      assert.ok(first.startsWith(`r=${good.nonce}`));
      const ok = server.step(Buffer.from(good.final(first)));
      assert.deepEqual(ok.kind === 'done' ? ok.user : ok, 'a,b=c');

      const bad = client(mechanism, 'a,b=c', 'wrong');
      const s2 = exchange(mechanism, users);
      assert.deepEqual(s2.step(Buffer.from(bad.final(text(s2.step(Buffer.from(bad.first)))))), { kind: 'fail', reason: 'invalid credentials', user: 'a,b=c' });

      // An unknown user gets a server-first of the same form (a made-up salt, stable per user), then fails.
      const ghost = client(mechanism, 'ghost', 'x');
      const s3 = exchange(mechanism, users);
      const ghostFirst = text(s3.step(Buffer.from(ghost.first)));
      assert.match(ghostFirst, /^r=[^,]+,s=[A-Za-z0-9+/=]+,i=8192$/);
      assert.equal(ghostFirst.split(',')[1], text(exchange(mechanism, users).step(Buffer.from(ghost.first))).split(',')[1]);
      assert.deepEqual(s3.step(Buffer.from(ghost.final(ghostFirst))), { kind: 'fail', reason: 'invalid credentials', user: 'ghost' });
    });
  }

  test('librdkafka repeats its nonce in front of the combined one; Kafka accepts that and so do we', () => {
    const users = { alice: scramCredential('SCRAM-SHA-512', 'pw', 4096) };
    const c = client('SCRAM-SHA-512', 'alice', 'pw');
    const server = exchange('SCRAM-SHA-512', users);
    const first = text(server.step(Buffer.from(c.first)));
    const combined = first.split(',')[0]?.slice(2) as string;
    assert.equal(server.step(Buffer.from(c.final(first, { nonce: c.nonce + combined }))).kind, 'done');
    const other = exchange('SCRAM-SHA-512', users);
    const first2 = text(other.step(Buffer.from(c.first)));
    assert.equal(text(other.step(Buffer.from(c.final(first2, { nonce: `${c.nonce}forged` })))), 'fail: nonce does not match');
  });

  test('malformed messages, channel binding and a foreign authorization id are refused', () => {
    const users = { alice: scramCredential('SCRAM-SHA-256', 'pw', 4096) };
    const first = (msg: string) => text(exchange('SCRAM-SHA-256', users).step(Buffer.from(msg)));
    assert.equal(first('p=tls-unique,,n=alice,r=abc'), 'fail: channel binding is not supported');
    assert.equal(first('n,,r=abc,n=alice'), 'fail: malformed client-first message');
    assert.equal(first('n,,n=al=ice,r=abc'), 'fail: malformed client-first message');
    assert.equal(first('n,,m=ext,n=alice,r=abc'), 'fail: malformed client-first message');
    assert.equal(first('n,,n=alice,r=abc,m=x'), 'fail: mandatory SCRAM extensions are not supported');
    assert.equal(first('n,a=bob,n=alice,r=abc'), 'fail: authorization id differs from the user name');
    assert.match(first('n,a=alice,n=alice,r=abc'), /^r=abc/);
    const s = exchange('SCRAM-SHA-256', users);
    s.step(Buffer.from('n,,n=alice,r=abc'));
    assert.equal(text(s.step(Buffer.from('c=eSws,r=abc,p=AAAA'))), 'fail: channel binding data does not match the client-first message');
  });

  test('PLAIN passwords verify against either stored SCRAM credential', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      const credential = scramCredential(mechanism, 'correct horse', 4096);
      assert.equal(await passwordMatches(mechanism, credential, 'correct horse'), true);
      assert.equal(await passwordMatches(mechanism, credential, 'correct horse '), false);
    }
  });
});
