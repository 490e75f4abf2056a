import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { HubClient } from '@conversation-hub/client-sdk';
import { startTestHub, type TestHub } from '../helpers/start-hub.js';

// A local identity provider: a JWKS on 127.0.0.1 with one RS256 and one ES256 key.
let jwksServer: Server;
let hub: TestHub;
const keys: Record<'RS256' | 'ES256', CryptoKey> = {} as never;
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'conversation-hub';

beforeAll(async () => {
  const jwks: object[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const pair = await generateKeyPair(alg);
    keys[alg] = pair.privateKey;
    jwks.push({ ...(await exportJWK(pair.publicKey)), kid: alg, alg, use: 'sig' });
  }
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks })));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const { port } = jwksServer.address() as AddressInfo;
  hub = await startTestHub({
    HUB_OIDC_ISSUER: ISSUER,
    HUB_OIDC_AUDIENCE: AUDIENCE,
    HUB_OIDC_JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
    HUB_OIDC_ROLE_CLAIM: 'realm_access.roles',
    HUB_OIDC_ROLE_MAP: 'cc-agent=agent,cc-lead=supervisor',
  });
}, 60_000);
afterAll(async () => {
  await hub?.close();
  await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
});

const idpToken = (claims: Record<string, unknown>, opts: { alg?: 'RS256' | 'ES256'; iss?: string; aud?: string; sub?: string } = {}) => {
  const alg = opts.alg ?? 'RS256';
  return new SignJWT(claims)
    .setProtectedHeader({ alg, kid: alg })
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setSubject(opts.sub ?? 'idp-user-1')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(keys[alg]);
};

describe('single sign-on', () => {
  test('a token of the identity provider opens a socket; the user is made by sub, then found again', async () => {
    const token = await idpToken({ realm_access: { roles: ['offline_access', 'cc-lead'] }, name: 'Lee Lead', preferred_username: 'lee' });
    const c = await new HubClient(hub.url, { token }).connect();
    c.close();
    const users = (await hub.admin('GET', '/api/users')).body as { id: string; username: string; role: string; sso: boolean; name: string }[];
    const lee = users.find((u) => u.username === 'lee');
    expect(lee).toMatchObject({ role: 'supervisor', sso: true, name: 'Lee Lead' });

    // the same sub again (ES256 this time): the same user, not a second one
    const again = await new HubClient(hub.url, { token: await idpToken({ realm_access: { roles: ['cc-lead'] }, name: 'Lee Lead', preferred_username: 'lee' }, { alg: 'ES256' }) }).connect();
    again.close();
    expect(((await hub.admin('GET', '/api/users')).body as unknown[]).length).toBe(users.length);

    // disabled in the hub: the provider's token no longer opens a socket
    await hub.admin('PATCH', `/api/users/${lee!.id}`, { disabled: true });
    await expect(new HubClient(hub.url, { token }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
  });

  test('a wrong issuer, a wrong audience, an unknown key or no mapped role is refused', async () => {
    const roles = { realm_access: { roles: ['cc-agent'] } };
    const ok = await new HubClient(hub.url, { token: await idpToken(roles, { sub: 'idp-user-2' }) }).connect();
    ok.close();
    const other = await generateKeyPair('RS256');
    const forged = await new SignJWT(roles).setProtectedHeader({ alg: 'RS256', kid: 'RS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('idp-user-2').setExpirationTime('5m').sign(other.privateKey);
    for (const token of [
      await idpToken(roles, { sub: 'idp-user-2', iss: 'https://evil.example.test/' }),
      await idpToken(roles, { sub: 'idp-user-2', aud: 'another-app' }),
      await idpToken({ realm_access: { roles: ['viewer'] } }, { sub: 'idp-user-3' }),
      forged,
    ]) {
      await expect(new HubClient(hub.url, { token }).connect()).rejects.toMatchObject({ code: 'unauthorized' });
    }
  });
});
