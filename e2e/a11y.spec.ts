// Issue 11's first proof point, for every page but those of console.spec.ts
// (the members table and seat cards of the Organization page, Billing's seat
// editor and review, the invoice): axe-core (WCAG 2.2 AA, e2e/axe.ts) finds
// nothing on each page and after each htmx interaction, in en, it and fr, at
// 1280×800 and 390×844.
//
// Signed out: sign-in and its errors (wrong password, single sign-on not set
// up, throttled), single sign-on stopped. An Owner's Organization page: the
// invite form open and refused, the no-seat prompt, an invitation sent,
// resent and revoked; a SCIM token created (shown once), a name taken,
// revoked after its confirmation; the wait-list's review and admission;
// single sign-on refused and tested; group mappings previewed. An Admin's
// read-only sections, the Admin's no-seat prompt, 403 and 404 pages, the
// audit log (filtered, refused, a member's history). Members: home, without
// a seat, waiting for a seat, suspended, after the plan ended. Invitation
// links for a new and an existing user (with a wrong password), accepted and
// revoked; the organization picker. Billing's reductions, cancellation,
// extra usage, and the page after the plan ended.
//
// Accessibility does not depend on the database: this file runs in the
// sqlite project only (playwright.config.ts). It changes data: its two groups
// (the Owner's Organization page; everything else) each have their own server
// (e2e/fresh.ts) and run side by side. Each person signs in once (argon2id is
// slow); widths change with setViewportSize, languages with ?lang= (the
// language cookie). Each state is also checked for anything sticking out
// sideways. Every problem of the run is listed (soft assertions), not only
// the first. A11Y_SHOTS=/tmp/a11y-shots saves a screenshot of each state.
import fs from 'node:fs';
import path from 'node:path';
import type { Cookie, Page } from '@playwright/test';
import { axeViolations } from './axe';
import { DEMO_PASSWORD } from './env';
import { demoTerm, expect as baseExpect, freshServer, htmxReady, invitationLink, Mailbox, test } from './fresh';
import { email, LANGS, type Lang } from './support';

// Each worker has its mailbox; each of the two groups below its own server.
const mailbox = new Mailbox();
test.beforeAll(async () => mailbox.start());
test.afterAll(async () => mailbox.stop());
const serve = () => freshServer({ env: () => ({ SEATDESK_SMTP_URL: mailbox.smtpURL }) });
// A busy machine: room for slow answers, never a condition on time.
test.use({ actionTimeout: 15_000, navigationTimeout: 30_000 });
const expect = baseExpect.configure({ timeout: 15_000 });

const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
];
const SHOTS = process.env.A11Y_SHOTS || '';
const ORG = (org: string) => `/orgs/${org}/settings/organization`;
const BILLING = (org: string) => `/orgs/${org}/settings/billing`;
const AUDIT = (org: string) => `/orgs/${org}/settings/audit-log`;
const SEAT_EXT = 'urn:seatdesk:params:scim:schemas:extension:seat:2.0:User';

let shotNo = 0;

/** Records what is wrong on the page and goes on: a run lists every problem, not only the first. */
function check(problems: string[], what: string) {
  expect.soft(problems, what).toEqual([]);
}

/**
 * What sticks out sideways at this width: the page scrolling sideways, an
 * element past the viewport's right edge (inside a scrolled table too), a
 * dropdown narrower than its longest option.
 */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const se = document.scrollingElement as HTMLElement;
    const cw = se.clientWidth;
    const out: string[] = [];
    if (se.scrollWidth > cw) out.push(`the page scrolls sideways (${se.scrollWidth} > ${cw} px)`);
    const name = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${[...e.classList].map((c) => '.' + c).join('')}`;
    const past = [...document.querySelectorAll('body *')].filter((e) => {
      if (e.closest('.skip, .visually-hidden')) return false;
      const b = e.getBoundingClientRect();
      return b.width > 1 && b.height > 1 && b.right > cw + 0.5;
    });
    // The outermost only: its children follow it.
    for (const e of past.filter((e) => !past.includes(e.parentElement!)).slice(0, 5)) {
      out.push(`${name(e)} "${(e.textContent || '').trim().slice(0, 30)}" ends at ${Math.round(e.getBoundingClientRect().right)} px`);
    }
    const ctx = document.createElement('canvas').getContext('2d')!;
    for (const s of document.querySelectorAll('select')) {
      if (s.getBoundingClientRect().width === 0) continue;
      const cs = getComputedStyle(s);
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const need = Math.max(...[...s.options].map((o) => ctx.measureText(o.text).width));
      const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 18; // the arrow
      if (need > room + 1) out.push(`select ${s.getAttribute('aria-label') || s.id || s.name} cuts its longest option`);
    }
    return out;
  });
}

/**
 * axe-core on the page as it is, at both widths (then back to 1280), and
 * nothing sticking out sideways.
 */
async function scan(page: Page, where: string) {
  for (const vp of WIDTHS) {
    await page.setViewportSize(vp);
    const at = `${where}, ${vp.width} px`;
    const violations = await axeViolations(page);
    check(
      violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.summary}`).join('\n')),
      `axe-core on ${at}`,
    );
    check(await overflow(page), `${at}: sticking out sideways`);
    if (SHOTS) {
      fs.mkdirSync(SHOTS, { recursive: true });
      const name = `${String(++shotNo).padStart(3, '0')}-${where.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}-${vp.width}.png`;
      await page.screenshot({ path: path.join(SHOTS, name), fullPage: true, animations: 'disabled' });
    }
  }
  await page.setViewportSize(WIDTHS[0]);
}

/** Opens a path in lang (?lang= sets the language cookie) and scans it. */
async function scanPage(page: Page, p: string, lang: Lang, where: string) {
  await page.goto(`${p}${p.includes('?') ? '&' : '?'}lang=${lang}`);
  await htmxReady(page);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await scan(page, `${where} (${lang})`);
}

/** Session cookies per person on this group's server: each signs in once (POST /login). */
const sessions = new Map<string, Cookie[]>();
async function as(page: Page, who: string, password = DEMO_PASSWORD) {
  const context = page.context();
  await context.clearCookies();
  if (!sessions.has(who)) {
    const res = await page.request.post('/login', { form: { email: who, password, next: '/' }, maxRedirects: 0, timeout: 30_000 });
    expect(res.status(), `sign-in of ${who}`).toBe(303);
    sessions.set(who, (await context.cookies()).filter((c) => c.name === 'seatdesk_session'));
  }
  await context.addCookies(sessions.get(who)!);
}

/**
 * Opens the Organization page in lang, ready for htmx. For the sections'
 * interactions, the members list is filtered down to one person (q): the
 * whole page is still scanned, but axe-core reads 200 elements instead of a
 * thousand. The full table is scanned at rest here, and with its panels and
 * menus in console.spec.ts.
 */
async function openOrg(page: Page, org: string, lang: Lang, q = '') {
  await page.goto(`${ORG(org)}?lang=${lang}${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  await expect(page.getByTestId('members-section')).toBeVisible();
  await htmxReady(page);
}

/** One SCIM request with the token, as the identity provider sends it. */
async function scim(base: string, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}
const scimUser = (address: string, active = true) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', SEAT_EXT],
  userName: address,
  name: { givenName: address.split('@')[0], familyName: 'Idp' },
  emails: [{ primary: true, value: address, type: 'work' }],
  active,
});


/** An Owner creates a SCIM token on the Organization page: the SCIM base URL and the token. */
async function scimToken(page: Page, name: string) {
  await openOrg(page, 'acme', 'en', 'olive');
  const prov = page.getByTestId('provisioning');
  await prov.locator('#token-name').fill(name);
  await prov.getByTestId('create-token-button').click();
  return { base: await prov.getByTestId('scim-url').inputValue(), token: await prov.getByTestId('new-token-value').inputValue() };
}

/**
 * The identity provider fills acme's 4 free seats (returns their SCIM ids),
 * then the waiting people arrive, then the deactivated ones (suspended).
 */
async function fillAcme(idp: { base: string; token: string }, waiting: string[], suspended: string[] = []) {
  const seated: string[] = [];
  for (let i = 1; i <= 4; i++) {
    const res = await scim(idp.base, idp.token, 'POST', '/Users', scimUser(`seated${i}@idp.example`));
    expect(res.status).toBe(201);
    seated.push(res.json.id);
  }
  for (const address of waiting) expect((await scim(idp.base, idp.token, 'POST', '/Users', scimUser(address))).status).toBe(201);
  for (const address of suspended) expect((await scim(idp.base, idp.token, 'POST', '/Users', scimUser(address, false))).status).toBe(201);
  return seated;
}

test.describe("an Owner's Organization page", () => {
  serve();
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(() => sessions.clear());

  test('invitations, SCIM tokens, single sign-on, group mappings', async ({ page, watcher }) => {
    test.setTimeout(600_000);
    watcher.allowStatus(409, 422);
    await as(page, email('owner', 'acme'));
    for (const lang of LANGS) {
      await openOrg(page, 'acme', lang);
      await scan(page, `Organization, Owner (${lang})`);
      await openOrg(page, 'acme', lang, 'olive');

      // Invitations: the form open, then refused (already a member).
      await page.getByTestId('open-invite').click();
      await expect(page.getByTestId('invite-form')).toBeVisible();
      await scan(page, `Organization, invite form open (${lang})`);
      await page.locator('#invite-email').fill(email('admin', 'acme'));
      await page.getByTestId('send-invite').click();
      await expect(page.getByTestId('invite-error')).toBeVisible();
      await scan(page, `Organization, invite refused (${lang})`);

      // A SCIM token: created and shown once; the same name again is refused;
      // revoked after its confirmation.
      const prov = page.getByTestId('provisioning');
      const name = `Okta ${lang}`;
      await prov.locator('#token-name').fill(name);
      await prov.getByTestId('create-token-button').click();
      await expect(prov.getByTestId('new-token')).toBeVisible();
      await scan(page, `Organization, SCIM token created (${lang})`);
      await prov.locator('#token-name').fill(name);
      await prov.getByTestId('create-token-button').click();
      await expect(prov.getByTestId('token-error')).toBeVisible();
      await scan(page, `Organization, SCIM token name taken (${lang})`);
      await prov.getByTestId('scim-token-row').filter({ hasText: name }).getByRole('button').click();
      await expect(prov.getByTestId('confirm-revoke')).toBeVisible();
      await scan(page, `Organization, SCIM token revoke confirmation (${lang})`);
      await prov.getByTestId('confirm-revoke-button').click();
      await expect(prov.getByTestId('provisioning-notice')).toBeVisible();
      await scan(page, `Organization, SCIM token revoked (${lang})`);

      // Single sign-on: Save refused (no client secret), then Test connection
      // (nothing listens there: its error).
      const sso = page.getByTestId('sso');
      await sso.locator('#sso-issuer').fill('https://127.0.0.1:9');
      await sso.locator('#sso-client_id').fill('seatdesk');
      await sso.locator('#sso-domains').fill('acme-a11y.example');
      await sso.getByTestId('sso-save').click();
      await expect(page.getByTestId('sso').getByTestId('sso-error-client_secret')).toBeVisible();
      await scan(page, `Organization, single sign-on refused (${lang})`);
      await page.getByTestId('sso').getByTestId('sso-test').click();
      await expect(page.getByTestId('sso-test-result').locator('.alert')).toBeVisible();
      await scan(page, `Organization, single sign-on tested (${lang})`);

      // Group mappings: a new mapping previewed before anything is saved.
      const mappings = page.getByTestId('group-mappings');
      await mappings.locator('input[name="new_group"]').fill(`engineering-${lang}`);
      await mappings.getByTestId('mapping-add').click();
      await expect(page.getByTestId('mapping-plan')).toBeVisible();
      await scan(page, `Organization, group mapping previewed (${lang})`);
    }
  });

  test('the wait-list (review, admission) and invitations without a free seat (sent, resent, revoked)', async ({ page, watcher }) => {
    test.setTimeout(600_000);
    watcher.allowStatus(409);
    await as(page, email('owner', 'acme'));
    // The identity provider fills acme's seats and 3 people wait.
    const idp = await scimToken(page, 'Identity provider');
    const seated = await fillAcme(idp, ['wait1@idp.example', 'wait2@idp.example', 'wait3@idp.example']);

    // The wait-list: its review (Buy seats to admit everyone), cancelled; then,
    // with seats freed, an admission.
    for (const lang of LANGS) {
      await openOrg(page, 'acme', lang, 'olive');
      await expect(page.getByTestId('waitlist')).toBeVisible();
      await scan(page, `Organization, wait-list (${lang})`);
      await page.getByTestId('waitlist-buy-enterprise').click();
      await expect(page.getByTestId('waitlist-review')).toBeVisible();
      await scan(page, `Organization, wait-list review (${lang})`);
      await page.getByTestId('waitlist-review').getByRole('link').click();
      await expect(page.getByTestId('waitlist-review')).toHaveCount(0);
      await scan(page, `Organization, wait-list review cancelled (${lang})`);
    }
    for (const id of seated.slice(0, 3)) {
      const res = await scim(idp.base, idp.token, 'PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      expect(res.status).toBe(200);
    }
    for (const lang of LANGS) {
      await openOrg(page, 'acme', lang, 'olive');
      await page.getByTestId('waiting-row').first().getByTestId('admit').click();
      await expect(page.getByTestId('waitlist-notice')).toBeVisible();
      await scan(page, `Organization, admitted from the wait-list (${lang})`);
    }

    // No seat free: the Owner's prompt to buy one; then an invitation as
    // Unassigned, sent, resent and revoked.
    for (const lang of LANGS) {
      await openOrg(page, 'acme', lang, 'olive');
      const address = `invitee-${lang}@example.com`;
      await page.getByTestId('open-invite').click();
      await page.locator('#invite-email').fill(address);
      await page.getByTestId('send-invite').click();
      await expect(page.getByTestId('invite-buy')).toBeVisible();
      await scan(page, `Organization, invite: buy a seat first (${lang})`);
      await page.locator('#invite-seat').selectOption('');
      await page.getByTestId('send-invite').click();
      await expect(page.getByTestId('invite-notice')).toBeVisible();
      await scan(page, `Organization, invitation sent (${lang})`);
      const row = page.getByTestId('invitation-row').filter({ hasText: address });
      await row.getByRole('button').first().click();
      await expect(page.getByTestId('invite-notice')).toContainText(address);
      await scan(page, `Organization, invitation resent (${lang})`);
      await page.getByTestId('invitation-row').filter({ hasText: address }).getByRole('button').last().click();
      await expect(page.getByTestId('invitation-row').filter({ hasText: address })).toHaveCount(0);
      await scan(page, `Organization, invitation revoked (${lang})`);
    }
  });
});

test.describe('every other page', () => {
  const server = serve();
  test.describe.configure({ mode: 'serial' });
  test.beforeAll(() => sessions.clear());

  test('signed out: sign-in, its errors (wrong password, no single sign-on, throttled), single sign-on stopped', async ({ page, watcher }) => {
    test.setTimeout(180_000);
    watcher.allowStatus(400, 422, 429);
    const who = 'nobody.a11y@example.com'; // nobody's: counts towards its own throttle only
    const signIn = async (lang: Lang, password: string) => {
      await page.goto(`/login?lang=${lang}`);
      await page.locator('#email').fill(who);
      await page.locator('#password').fill(password);
      await page.locator('#password').press('Enter');
      await expect(page.getByTestId('login-error')).toBeVisible();
    };
    for (const lang of LANGS) {
      await scanPage(page, '/login', lang, 'Sign-in');
      await signIn(lang, `wrong-${lang}`);
      await scan(page, `Sign-in, wrong password (${lang})`);
      await page.locator('#sso-email').fill('someone@no-sso.example');
      await page.getByTestId('sso-submit').click();
      await expect(page.getByTestId('sso-error')).toBeVisible();
      await scan(page, `Sign-in, no single sign-on for the domain (${lang})`);
      await scanPage(page, '/sso/callback', lang, 'Single sign-on stopped');
      await expect(page.getByTestId('sso-stopped')).toBeVisible();
    }
    // 5 failures per address typed, then the throttle.
    for (const lang of ['en', 'it'] as Lang[]) await signIn(lang, `again-${lang}`);
    for (const lang of LANGS) {
      await signIn(lang, 'once-more');
      await expect(page.getByTestId('login-error')).not.toHaveText(/^$/);
      await scan(page, `Sign-in, throttled (${lang})`);
    }
  });

  test('an Admin: read-only sections, the no-seat invite, 403 and 404 pages, the audit log and a member’s history', async ({ page, watcher }) => {
    test.setTimeout(400_000);
    watcher.allowStatus(403, 404, 409, 422);
    // acme's identity provider fills every seat; people wait (member@maison
    // among them: the waiting page below); member@bottega arrives deactivated
    // (the suspended page).
    await as(page, email('owner', 'acme'));
    await fillAcme(await scimToken(page, 'Identity provider'), ['wait1@idp.example', email('member', 'maison')], [email('member', 'bottega')]);
    await as(page, email('admin', 'acme'));
    for (const lang of LANGS) {
      await openOrg(page, 'acme', lang);
      await expect(page.getByTestId('waitlist-owner-buys')).toBeVisible();
      await scan(page, `Organization, Admin (${lang})`);
      await openOrg(page, 'acme', lang, 'adam');
      await page.getByTestId('open-invite').click();
      await page.locator('#invite-email').fill(`admin-invitee-${lang}@example.com`);
      await page.getByTestId('send-invite').click();
      await expect(page.getByTestId('invite-no-seat')).toBeVisible();
      await scan(page, `Organization, Admin's invite without a free seat (${lang})`);

      await scanPage(page, BILLING('acme'), lang, '403 (an Admin on Billing)');
      await expect(page.getByTestId('error-403')).toBeVisible();
      await scanPage(page, '/orgs/nowhere', lang, '404');
      await expect(page.getByTestId('error-404')).toBeVisible();

      await scanPage(page, AUDIT('acme'), lang, 'Audit log');
      await scanPage(page, `${AUDIT('acme')}?kind=members&member=wait1%40idp.example`, lang, 'Audit log, filtered');
      await expect(page.getByTestId('audit-row').first()).toBeVisible();
      await scanPage(page, `${AUDIT('acme')}?from=2030-01-02&to=2030-01-01`, lang, 'Audit log, refused filter');
      await expect(page.getByTestId('audit-error')).toBeVisible();
    }
    await openOrg(page, 'acme', 'en', 'wait1@idp.example');
    const history = await page.getByTestId('member-history').getAttribute('href');
    expect(history).toMatch(/\/history$/);
    for (const lang of LANGS) await scanPage(page, history!, lang, 'A member’s seat history');
  });

  test('members: home, without a seat, waiting for a seat, suspended', async ({ page, watcher }) => {
    test.setTimeout(300_000);
    watcher.allowStatus(403);
    const pages: [string, string, string][] = [
      [email('member', 'acme'), '/orgs/acme', 'Member home'],
      ['anna.bruno19@acme.example', '/orgs/acme', 'Member home without a seat'],
      [email('member', 'maison'), '/orgs/acme', 'Waiting for a seat'],
      [email('member', 'bottega'), '/orgs/acme', 'Suspended'],
    ];
    for (const [who, where, what] of pages) {
      await as(page, who);
      for (const lang of LANGS) await scanPage(page, where, lang, what);
    }
  });

  test('invitation links: a new user, an existing user (a wrong password), accepted, revoked; the organization picker', async ({ page, openPage, baseURL, watcher }) => {
    test.setTimeout(400_000);
    watcher.allowStatus(410, 422);
    // maison's Owner invites a new person and acme's Member.
    await as(page, email('owner', 'maison'));
    for (const address of ['new.person@example.com', email('member', 'acme')]) {
      await openOrg(page, 'maison', 'en');
      await page.getByTestId('open-invite').click();
      await page.locator('#invite-email').fill(address);
      await page.getByTestId('send-invite').click();
      await expect(page.getByTestId('invite-notice')).toBeVisible();
    }
    const fresh = invitationLink(await mailbox.waitFor('new.person@example.com'), baseURL!);
    const existing = invitationLink(await mailbox.waitFor(email('member', 'acme')), baseURL!);

    const visitor = await openPage({ baseURL });
    for (const lang of LANGS) {
      await scanPage(visitor, fresh, lang, 'Invitation, a new user');
      await expect(visitor.getByTestId('accept-pending')).toBeVisible();
      await scanPage(visitor, existing, lang, 'Invitation, an existing user');
      await visitor.locator('#accept-password').fill(`not-the-password-${lang}`);
      await visitor.locator('#accept-password').press('Enter');
      await expect(visitor.getByTestId('accept-error')).toBeVisible();
      await scan(visitor, `Invitation, an existing user, wrong password (${lang})`);
    }
    await visitor.locator('#accept-password').fill(DEMO_PASSWORD);
    await visitor.locator('#accept-password').press('Enter');
    await expect(visitor).toHaveURL(/\/orgs\/maison$/);
    // acme's Member now belongs to two organizations: the picker.
    for (const lang of LANGS) {
      await scanPage(visitor, '/orgs', lang, 'Organization picker');
      await expect(visitor.getByTestId('org-picker').getByRole('link')).toHaveCount(2);
    }
    // The link once used, and a revoked one.
    for (const lang of LANGS) await scanPage(visitor, existing, lang, 'Invitation already accepted');
    await openOrg(page, 'maison', 'en');
    await page.getByTestId('invitation-row').filter({ hasText: 'new.person@example.com' }).getByRole('button').last().click();
    await expect(page.getByTestId('invitation-row').filter({ hasText: 'new.person@example.com' })).toHaveCount(0);
    await visitor.context().clearCookies();
    for (const lang of LANGS) await scanPage(visitor, fresh, lang, 'Invitation revoked');
  });

  test('Billing: reductions, extra usage, a cancelled plan, and after the plan ended', async ({ page, watcher }) => {
    test.setTimeout(400_000);
    watcher.allowStatus(403, 422);
    const term = demoTerm();
    // acme: a reduction refused (below the minimum), scheduled (below the seats in use), cancelled.
    await as(page, email('owner', 'acme'));
    for (const lang of LANGS) {
      await page.goto(`${BILLING('acme')}?lang=${lang}`);
      await htmxReady(page);
      const section = page.getByTestId('reductions');
      await section.locator('#reduce-enterprise').fill('19');
      await section.getByRole('button').click();
      await expect(section.getByTestId('reduction-error')).toBeVisible();
      await scan(page, `Billing, reduction refused (${lang})`);
      await page.getByTestId('reductions').locator('#reduce-enterprise').fill('20');
      await page.getByTestId('reductions').getByRole('button').click();
      await expect(page.getByTestId('reductions').getByTestId('reduction-warning')).toBeVisible();
      await scan(page, `Billing, reduction scheduled (${lang})`);
      await page.getByTestId('reductions').getByRole('button').click();
      await expect(page.getByTestId('reductions').getByTestId('reduction-pending')).toHaveCount(0);
      await scan(page, `Billing, reduction cancelled (${lang})`);
    }
    // maison (sales-assisted): its Billing, extra usage refused.
    await as(page, email('owner', 'maison'));
    for (const lang of LANGS) {
      await scanPage(page, BILLING('maison'), lang, 'Billing, sales-assisted');
      const extra = page.getByTestId('extra-usage');
      await extra.getByRole('checkbox').check();
      await extra.locator('#extra-cap').fill('not a number');
      await extra.getByRole('button').click();
      await expect(page.getByTestId('extra-usage-error')).toBeVisible();
      await scan(page, `Billing, extra usage refused (${lang})`);
    }
    // bottega: the plan cancelled (then resumed, and cancelled again).
    await as(page, email('owner', 'bottega'));
    for (const lang of LANGS) {
      await page.goto(`${BILLING('bottega')}?lang=${lang}`);
      await htmxReady(page);
      await page.getByTestId('cancel-plan').locator('summary').click();
      await scan(page, `Billing, cancellation open (${lang})`);
      await page.getByTestId('cancel-plan').getByRole('button').click();
      await expect(page.getByTestId('plan-cancelled')).toBeVisible();
      await scan(page, `Billing, plan cancelled (${lang})`);
      if (lang !== 'fr') {
        await page.getByTestId('plan-cancelled').getByRole('button').click();
        await expect(page.getByTestId('cancel-plan')).toBeVisible();
        await scan(page, `Billing, plan resumed (${lang})`);
      }
    }
    // The term ends: the plan ended. The Owner sees Billing, the rest is closed.
    const iso = term.end.toISOString().slice(0, 10);
    expect(await server.command('renew', '--org', 'bottega', '--as-of', iso)).toContain('bottega');
    for (const lang of LANGS) {
      await scanPage(page, BILLING('bottega'), lang, 'Billing after the plan ended');
      await expect(page.getByTestId('plan-ended')).toBeVisible();
      await scanPage(page, ORG('bottega'), lang, 'Organization after the plan ended');
    }
    await as(page, email('member', 'bottega'));
    for (const lang of LANGS) await scanPage(page, '/orgs/bottega', lang, 'A Member after the plan ended');
  });
});
