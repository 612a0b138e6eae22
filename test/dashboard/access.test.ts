// The dashboard's Host check (DNS rebinding) and access token, through fastify's inject.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedHosts, hostName, resolveToken, TOKEN_COOKIE, urlWithToken } from '../../src/dashboard/access.ts';
import { Hub } from '../../src/dashboard/hub.ts';
import { buildDashboard } from '../../src/dashboard/server.ts';

const TOKEN = 'tok-en/+=1';

function app(options: { extra?: string[]; token?: string | null; bind?: string } = {}) {
  return buildDashboard({ hub: new Hub(), staticDir: null, access: { allowedHosts: allowedHosts(options.bind ?? '127.0.0.1', options.extra ?? []), token: options.token ?? null } });
}

test('only the names the dashboard is known by are answered; others get 403 saying how to allow them', async (t) => {
  const a = app({ extra: ['dash.internal'] });
  t.after(() => a.close());
  for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'LOCALHOST', 'dash.internal', '127.0.0.1']) {
    const res = await a.inject({ url: '/api/summary', headers: { host } });
    assert.equal(res.statusCode, 200, host);
  }
  for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example', 'localhost.', '[::1', 'a b', 'localhost:80:80']) {
    const res = await a.inject({ url: '/api/summary', headers: { host } });
    assert.equal(res.statusCode, 403, host);
    assert.match(res.body, /^Host ".*" is not allowed: this dashboard answers to .*localhost.*127\.0\.0\.1.*\[::1\].*dash\.internal.*--allowed-hosts NAME\.\n$/, res.body);
    assert.equal(res.headers['x-frame-options'], 'DENY', 'security headers on refusals too');
  }
  // The page and the event stream alike.
  assert.equal((await a.inject({ url: '/', headers: { host: 'evil.example' } })).statusCode, 403);
  assert.equal((await a.inject({ url: '/api/events', headers: { host: 'evil.example' } })).statusCode, 403);
});

test('a dashboard bound to another address answers to it as well', async (t) => {
  const a = app({ bind: '10.1.2.3', token: TOKEN });
  t.after(() => a.close());
  const res = await a.inject({ url: '/api/summary', headers: { host: '10.1.2.3:8080', authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200);
  assert.ok(allowedHosts('0.0.0.0').size > 3, 'a wildcard bind adds the machine\'s own addresses and name');
});

test('with a token: every route wants it, as a bearer header, a cookie, or ?token= once (which sets the cookie)', async (t) => {
  const a = app({ token: TOKEN });
  t.after(() => a.close());
  for (const url of ['/', '/api/summary', '/api/alerts', '/api/events', '/metrics', '/favicon.ico']) {
    const res = await a.inject({ url });
    assert.equal(res.statusCode, 401, url);
    assert.match(res.body, /needs its access token.*\?token=.*Authorization: Bearer TOKEN/);
    assert.match(String(res.headers['www-authenticate']), /^Bearer /);
  }
  assert.equal((await a.inject({ url: '/api/summary', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200);
  assert.equal((await a.inject({ url: '/api/summary', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  assert.equal((await a.inject({ url: '/api/summary', headers: { authorization: `Bearer ${TOKEN}x` } })).statusCode, 401);
  assert.equal((await a.inject({ url: `/metrics?token=${encodeURIComponent(TOKEN)}` })).statusCode, 200, 'API and metrics take ?token= as it is');
  assert.equal((await a.inject({ url: `/api/alerts?limit=5&token=${encodeURIComponent(TOKEN)}` })).statusCode, 200);

  // The page opened with ?token=: cookie set, redirected to the address without the token.
  const visit = await a.inject({ url: `/?view=x&token=${encodeURIComponent(TOKEN)}` });
  assert.equal(visit.statusCode, 303);
  assert.equal(visit.headers.location, '/?view=x');
  const setCookie = String(visit.headers['set-cookie']);
  assert.match(setCookie, new RegExp(`^${TOKEN_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Strict$`));
  const cookie = setCookie.split(';')[0] ?? '';
  assert.equal((await a.inject({ url: '/api/summary', headers: { cookie: `other=1; ${cookie}` } })).statusCode, 200);
  assert.equal((await a.inject({ url: '/api/summary', headers: { cookie: `${TOKEN_COOKIE}=nope` } })).statusCode, 401);
  // No way to redirect elsewhere.
  const sneaky = await a.inject({ url: `//evil.example//x?token=${encodeURIComponent(TOKEN)}` });
  assert.equal(sneaky.statusCode, 303);
  assert.match(String(sneaky.headers.location), /^\/[^/]/);
  // The Host check comes first: the token does not open the door to another name.
  assert.equal((await a.inject({ url: '/api/summary', headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}` } })).statusCode, 403);
});

test('token resolution and Host parsing', () => {
  assert.equal(resolveToken('127.0.0.1', undefined, {}), null);
  assert.equal(resolveToken('localhost', undefined, {}), null);
  assert.equal(resolveToken('::1', undefined, {}), null);
  assert.equal(resolveToken('127.0.0.1', 'given', {}), 'given');
  assert.equal(resolveToken('127.0.0.1', undefined, { DASHBOARD_TOKEN: 'from-env' }), 'from-env');
  assert.equal(resolveToken('0.0.0.0', 'given', { DASHBOARD_TOKEN: 'from-env' }), 'given');
  const generated = resolveToken('0.0.0.0', undefined, {});
  assert.match(generated ?? '', /^[\w-]{32}$/);
  assert.notEqual(resolveToken('192.168.1.5', undefined, {}), generated);
  assert.equal(urlWithToken('http://h:1/', 'a b'), 'http://h:1/?token=a%20b');
  assert.equal(urlWithToken('http://h:1/', null), 'http://h:1/');
  assert.equal(hostName('Example.COM:8080'), 'example.com');
  assert.equal(hostName('[::1]:80'), '::1');
  assert.equal(hostName('[::1]x'), null);
  assert.equal(hostName(undefined), null);
});
