// A real OpenID Connect provider (node-oidc-provider, OpenID Certified) for tests/auth.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (written by the test):
//   { "client": { "client_id", "client_secret", "redirect_uris": [...], "post_logout_redirect_uris": [...] },
//     "users": { "<login>": { "password", "claims": { "email", "name", "udbredelse_role"?, "kommunekode"? },
//                             "id_token_ttl"?: seconds } } }
//
// Listens on 127.0.0.1 on a free port and prints one JSON line {"issuer": "http://127.0.0.1:PORT"} when
// ready. The login form is our own (Danish, checks the password); the development-only interactions of
// oidc-provider are switched off. Claims are released in the identity token (Streamlit's st.login reads
// the ID token, not the userinfo endpoint), as a municipality's IdP or a broker such as Keycloak must do.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const users = config.users;

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html><html lang="da"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error = '') {
  return page('Log ind hos testkommunens IdP', `
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}" autocomplete="off">
      <label for="login">Brugernavn</label> <input id="login" name="login" required autofocus>
      <label for="password">Adgangskode</label> <input id="password" name="password" type="password" required>
      <button type="submit">Log ind</button>
    </form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

// Streamlit's st.login asks for prompt=select_account (its default); the base policy knows only login and
// consent, so select_account is added as a requestable prompt resolved by the same login form.
const policy = interactionPolicy.base();
policy.add(new interactionPolicy.Prompt({ name: 'select_account', requestable: true }), 1);

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const provider = new Provider(issuer, {
    clients: [{
      ...config.client,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    async findAccount(ctx, id) {
      const user = users[id];
      if (!user) return undefined;
      return { accountId: id, async claims() { return { sub: id, email_verified: true, ...user.claims }; } };
    },
    claims: {
      openid: ['sub', 'udbredelse_role', 'kommunekode'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    conformIdTokenClaims: false, // the claims go into the ID token
    async loadExistingGrant(ctx) {
      // First-party client: no consent screen (the recipe "skip consent" of oidc-provider).
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = page('Log ud', `${form}<p>Vil du logge ud af testkommunens IdP?</p>
            <button type="submit" form="op.logoutForm" value="yes" name="logout">Ja, log mig ud</button>
            <button type="submit" form="op.logoutForm">Nej, forbliv logget ind</button>`);
        },
      },
    },
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: (ctx, token) => users[token.available.sub]?.id_token_ttl ?? 3600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'test-1' }] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
  });

  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url, issuer).pathname);
    if (!match) {
      provider.callback()(req, res);
      return;
    }
    try {
      res.setHeader('Cache-Control', 'no-store');
      const details = await provider.interactionDetails(req, res);
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(loginForm(details.uid));
        return;
      }
      const form = await readForm(req);
      const login = form.get('login') ?? '';
      const user = users[login];
      if (!user || user.password !== form.get('password')) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
          .end(loginForm(details.uid, 'Forkert brugernavn eller adgangskode.'));
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login }, select_account: {} },
        { mergeWithLastSubmission: false });
    } catch (error) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`Login-fejl: ${error.message}`);
    }
  });

  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
