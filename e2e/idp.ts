// A real, certified OpenID provider for the browser tests: the npm package
// oidc-provider (pinned in package.json), started in the test process on
// 127.0.0.1 for one Seatdesk server. One confidential client is registered
// for that server's redirect URI (<base URL>/sso/callback), PKCE (S256) is
// required, and the people it signs in live in memory, each with an email
// (verified), a name and a password.
//
// Its sign-in and consent pages are a minimal interaction written here (the
// package's devInteractions load a web font from the internet): the browser
// fills "Email" and "Password", then "Allow" on the consent page. Nothing
// here talks to Seatdesk: the browser goes there and back, as with a real
// identity provider.
//
//   const idp = new IdentityProvider();
//   await idp.start(server.url);        // after the fresh server started
//   idp.addAccount({ email, name, password });
//   … issuer idp.issuer, client idp.clientID / idp.clientSecret …
//   await idp.stop();
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Account, type KoaContextWithOIDC } from 'oidc-provider';

const HOST = '127.0.0.1';

export type IdpAccount = { email: string; name: string; password: string };

const escapeHTML = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The provider's own pages: no script, no style from elsewhere. */
function page(title: string, body: string) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHTML(title)}</title></head>
<body><main data-testid="idp"><h1>Example Identity Provider</h1><h2>${escapeHTML(title)}</h2>${body}</main></body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export class IdentityProvider {
  issuer = '';
  readonly clientID = 'seatdesk-e2e';
  readonly clientSecret = randomBytes(24).toString('base64url');
  /** The people, by email (lower-cased). */
  private readonly accounts = new Map<string, IdpAccount & { sub: string }>();
  private server?: http.Server;
  /** How many codes it exchanged for tokens: the tests check that Seatdesk used it. */
  tokensIssued = 0;

  addAccount(a: IdpAccount) {
    this.accounts.set(a.email.toLowerCase(), { ...a, sub: `sub-${randomBytes(6).toString('hex')}` });
  }

  async start(seatdeskURL: string) {
    this.server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, HOST, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.issuer = `http://${HOST}:${port}`;

    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'e2e', alg: 'RS256', use: 'sig' };
    const accounts = this.accounts;
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: this.clientID,
          client_secret: this.clientSecret,
          redirect_uris: [`${seatdeskURL}/sso/callback`],
          response_types: ['code'],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString('hex')] },
      pkce: { required: () => true },
      ttl: { AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      async findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> {
        const a = [...accounts.values()].find((x) => x.sub === sub);
        if (!a) return undefined;
        return { accountId: a.sub, claims: () => ({ sub: a.sub, email: a.email, email_verified: true, name: a.name }) };
      },
    });
    provider.on('grant.success', () => this.tokensIssued++);
    const oidc = provider.callback();

    this.server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', this.issuer);
      const m = url.pathname.match(/^\/interaction\/([\w-]+)(\/(login|consent))?$/);
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
      } else if (m) {
        this.interaction(provider, req, res, m[3]).catch((err: Error) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`interaction failed: ${err.message}`);
        });
      } else {
        oidc(req, res);
      }
    });
  }

  /** The sign-in and consent pages, and their posts. */
  private async interaction(provider: Provider, req: http.IncomingMessage, res: http.ServerResponse, step?: string) {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params } = details;
    const html = (status: number, title: string, body: string) => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(page(title, body));
    };
    if (req.method === 'GET' && !step) {
      if (prompt.name === 'login') {
        const hint = typeof params.login_hint === 'string' ? params.login_hint : '';
        return html(200, 'Sign in', loginForm(uid, hint, ''));
      }
      return html(200, 'Allow access', consentForm(uid, String(params.client_id)));
    }
    if (req.method === 'POST' && step === 'login' && prompt.name === 'login') {
      const form = await readForm(req);
      const email = (form.get('email') ?? '').trim().toLowerCase();
      const a = this.accounts.get(email);
      if (!a || a.password !== form.get('password')) return html(200, 'Sign in', loginForm(uid, email, 'Wrong email or password.'));
      return provider.interactionFinished(req, res, { login: { accountId: a.sub } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && step === 'consent' && prompt.name === 'consent') {
      await readForm(req);
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session!.accountId, clientId: String(params.client_id) });
      const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
      if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant!.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    html(400, 'Not expected', '<p>This step is not expected here.</p>');
  }

  async stop() {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function loginForm(uid: string, email: string, error: string) {
  return `${error ? `<p role="alert">${escapeHTML(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHTML(uid)}/login">
<p><label for="email">Email</label> <input id="email" name="email" type="email" required value="${escapeHTML(email)}"></p>
<p><label for="password">Password</label> <input id="password" name="password" type="password" required></p>
<p><button type="submit">Sign in</button></p>
</form>`;
}

function consentForm(uid: string, client: string) {
  return `<p>${escapeHTML(client)} asks for your email address and name.</p>
<form method="post" action="/interaction/${escapeHTML(uid)}/consent"><p><button type="submit">Allow</button></p></form>`;
}
