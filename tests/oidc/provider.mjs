// A real OpenID provider for the login tests (the certified npm package oidc-provider),
// configured like ID-porten (patients: authorization code + PKCE, acr idporten-loa-high,
// the national id in the `pid` claim) and like HelseID (staff: private_key_jwt client
// authentication + PKCE, the person's national id in `helseid://claims/identity/pid`).
//
// It also issues access tokens for the FHIR API like HelseID's machine-to-machine flow: a
// record system authenticates with a signed JWT (private_key_jwt), asks for client
// credentials with a resource indicator (RFC 8707), and gets a JWT access token for that
// resource's audience with the scopes the resource offers.
//
// Usage: node provider.mjs CONFIG.json   (see tests/oidc/conftest.py for the fields)
// Prints "ready <issuer>" on stdout once it listens.
//
// The login page stands in for TestID/BankID: it asks for the test person's national id and
// the level of assurance the person logged in with, so the tests can choose a level too low.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;

const PID_CLAIM = 'helseid://claims/identity/pid';
// HelseID's level of assurance of the person's login: low, substantial or high.
const ASSURANCE_CLAIM = 'helseid://claims/identity/assurance_level';
const ASSURANCE = { 'idporten-loa-high': 'high', 'idporten-loa-substantial': 'substantial' };
const HELSEID_PID_SCOPE = 'helseid://scopes/identity/pid';

// A fresh signing key per run: tests must fetch it from jwks_uri like a real client.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing', use: 'sig', alg: 'RS256' };

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: [
    {
      // Like ID-porten's web clients: a secret at the token endpoint, PKCE required.
      client_id: config.idporten.client_id,
      client_secret: config.idporten.client_secret,
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: config.idporten.redirect_uris,
      post_logout_redirect_uris: config.idporten.post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid profile',
    },
    {
      // Like HelseID: no shared secret at all, the client signs an assertion with its own key.
      client_id: config.helseid.client_id,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [config.helseid.public_jwk] },
      redirect_uris: config.helseid.redirect_uris,
      post_logout_redirect_uris: config.helseid.post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: `openid profile ${HELSEID_PID_SCOPE}`,
    },
    ...(config.fhir ? [{
      // A record system calling the FHIR API: no user, no redirect, only its own key.
      client_id: config.fhir.client_id,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'RS256',
      jwks: { keys: [config.fhir.public_jwk] },
      redirect_uris: [],
      grant_types: ['client_credentials'],
      response_types: [],
    }] : []),
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-cookie-key-1'] },
  pkce: { required: () => true },
  acrValues: ['idporten-loa-substantial', 'idporten-loa-high'],
  scopes: ['openid', 'profile', HELSEID_PID_SCOPE],
  claims: {
    openid: ['sub'],
    profile: ['name', 'pid'],
    [HELSEID_PID_SCOPE]: [PID_CLAIM, ASSURANCE_CLAIM],
  },
  // ID-porten puts pid in the ID token itself; so do we (not only at the userinfo endpoint).
  conformIdTokenClaims: false,
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: config.id_token_ttl || 600,
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: Boolean(config.fhir) },
    resourceIndicators: {
      enabled: Boolean(config.fhir),
      // config.fhir.resources: { "<resource indicator>": { audience, scope, ttl } }
      defaultResource: () => undefined,
      useGrantedResource: () => true,
      async getResourceServerInfo(ctx, indicator) {
        const server = config.fhir?.resources?.[indicator];
        if (!server) throw new errors.InvalidTarget();
        return {
          audience: server.audience,
          scope: server.scope,
          accessTokenTTL: server.ttl || 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="nb"><head><title>Logg ut</title></head><body>
          <h1>Vil du logge ut?</h1>${form}
          <button form="op.logoutForm" type="submit" name="logout" value="yes">Logg ut</button>
          </body></html>`;
      },
    },
  },
  // First-party clients: the person is never asked to consent; the grant is made here.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.client.scope);
    await grant.save();
    return grant;
  },
  // Every national id is a test person; whether we know them is the client's business.
  // The account id is "<pid> <acr>": the level chosen on the login page gives HelseID's
  // assurance level claim too.
  async findAccount(ctx, accountId) {
    const [pid, acr = 'idporten-loa-high'] = accountId.split(' ');
    const sub = createHash('sha256').update(`sub:${pid}`).digest('base64url').slice(0, 24);
    return {
      accountId,
      async claims() {
        return {
          sub,
          name: `Testperson ${pid.slice(-5)}`,
          pid,
          [PID_CLAIM]: pid,
          [ASSURANCE_CLAIM]: ASSURANCE[acr] || 'low',
        };
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// With token_delay_ms the token endpoint answers late, after minting: an ID token with a
// short TTL (id_token_ttl) then arrives expired, as a slow or replayed answer would.
provider.use(async (ctx, next) => {
  if (ctx.path !== '/token' || !config.token_delay_ms) return next();
  await next();
  await new Promise((resolve) => { setTimeout(resolve, config.token_delay_ms); });
  return undefined;
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (ctx.method === 'POST' && match[2]) {
    const form = await readForm(ctx.req);
    const pid = (form.get('pid') || '').trim();
    const acr = form.get('acr') || 'idporten-loa-high';
    await provider.interactionFinished(
      ctx.req, ctx.res, { login: { accountId: `${pid} ${acr}`, acr, amr: ['TestID'] } },
      { mergeWithLastSubmission: false },
    );
    ctx.respond = false;
    return undefined;
  }
  ctx.type = 'html';
  ctx.body = `<!DOCTYPE html><html lang="nb"><head><title>TestID</title></head><body>
    <h1>Logg inn (${escape(details.params.client_id)})</h1>
    <form method="post" action="/interaction/${escape(details.uid)}/login">
      <label for="pid">Fødselsnummer</label><input id="pid" name="pid" required>
      <label for="acr">Sikkerhetsnivå</label>
      <select id="acr" name="acr">
        <option value="idporten-loa-high">Høyt</option>
        <option value="idporten-loa-substantial">Betydelig</option>
      </select>
      <button type="submit">Logg inn</button>
    </form></body></html>`;
  return undefined;
});

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
