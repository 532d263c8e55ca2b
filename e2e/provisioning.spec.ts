// R-PROV-2, R-PROV-3: an Owner creates a SCIM token on the Organization page
// and copies it; a SCIM client (fetch from this test) provisions 5 people into
// acme, which has 4 free seats; the page shows the one person waiting; the
// Owner buys one seat from the wait-list's prompt (the usual review, then
// Upgrade) and that person now holds an Enterprise seat. An Admin sees the
// tokens and the wait-list without the Owner's buttons. In English, Italian
// and French, each on its own fresh server (the journey uses up acme's free
// seats). Screenshots of the sections: e2e/screenshots/<lang>-provisioning-*.png
// (gitignored).
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { DEMO_PASSWORD } from './env';
import { demoTerm, expect as baseExpect, expectSameWindow, freshServer, htmxReady, markWindow, prorate, test } from './fresh';
import { email, money, type Lang } from './support';

const ORG_PAGE = '/orgs/acme/settings/organization';
// The seat extension is returned on request only (RFC 7643 "returned": "request").
const SEAT_EXT = 'urn:seatdesk:params:scim:schemas:extension:seat:2.0:User';

// Three sign-ins, full-page form posts and a fresh server per language, on a
// machine other test runs may share: more room than the defaults, never a
// condition on time.
const expect = baseExpect.configure({ timeout: 15_000 });

/** The page's wording (locales/*.toml). */
const W = {
  en: {
    tokenName: 'Token name',
    create: 'Create token',
    newToken: (name: string) => `Your new token “${name}”`,
    copyToken: 'Copy the token',
    copied: 'Copied',
    waiting: (n: number) => (n === 1 ? `${n} person is waiting for a seat` : `${n} people are waiting for a seat`),
    buy: (n: number) => `Buy ${n} ${n === 1 ? 'seat' : 'seats'} (Enterprise seat) to admit everyone`,
    upgrade: 'Upgrade',
    bought: (invoice: string) => `Seats added (invoice ${invoice}): 1 person who was waiting now holds a seat.`,
    nobody: 'Nobody is waiting for a seat.',
    enterprise: 'Enterprise seat',
    active: 'Active',
    pending: 'Waiting for a seat',
    ownerBuys: 'Only an Owner can buy seats',
    ownerOnly: 'Only Owners can create and revoke SCIM tokens.',
    seatFor: (name: string) => `Seat type for ${name}`,
    revokeLabel: (name: string) => `Revoke the token ${name}`,
    revoked: 'The token is revoked: identity providers using it can no longer connect.',
  },
  it: {
    tokenName: 'Nome del token',
    create: 'Crea token',
    newToken: (name: string) => `Il tuo nuovo token “${name}”`,
    copyToken: 'Copia il token',
    copied: 'Copiato',
    waiting: (n: number) => (n === 1 ? `${n} persona è in attesa di un posto` : `${n} persone sono in attesa di un posto`),
    buy: (n: number) => `Acquista ${n} ${n === 1 ? 'posto' : 'posti'} (Posto Enterprise) per ammettere tutti`,
    upgrade: 'Aggiorna',
    bought: (invoice: string) => `Posti aggiunti (fattura ${invoice}): 1 persona che era in attesa ora ha un posto.`,
    nobody: 'Nessuno è in attesa di un posto.',
    enterprise: 'Posto Enterprise',
    active: 'Attivo',
    pending: 'In attesa di un posto',
    ownerBuys: 'Solo un Proprietario può acquistare posti',
    ownerOnly: 'Solo i Proprietari possono creare e revocare i token SCIM.',
    seatFor: (name: string) => `Tipo di posto per ${name}`,
    revokeLabel: (name: string) => `Revoca il token ${name}`,
    revoked: 'Il token è stato revocato: i provider di identità che lo usano non possono più connettersi.',
  },
  fr: {
    tokenName: 'Nom du jeton',
    create: 'Créer un jeton',
    newToken: (name: string) => `Votre nouveau jeton « ${name} »`,
    copyToken: 'Copier le jeton',
    copied: 'Copié',
    waiting: (n: number) => (n === 1 ? `${n} personne attend un siège` : `${n} personnes attendent un siège`),
    buy: (n: number) => `Acheter ${n} ${n === 1 ? 'siège' : 'sièges'} (Siège Enterprise) pour admettre tout le monde`,
    upgrade: 'Mettre à niveau',
    bought: (invoice: string) => `Sièges ajoutés (facture ${invoice}) : 1 personne qui attendait a maintenant un siège.`,
    nobody: "Personne n'attend de siège.",
    enterprise: 'Siège Enterprise',
    active: 'Actif',
    pending: "En attente d'un siège",
    ownerBuys: 'Seul un Propriétaire peut acheter des sièges',
    ownerOnly: 'Seuls les Propriétaires peuvent créer et révoquer les jetons SCIM.',
    seatFor: (name: string) => `Type de siège pour ${name}`,
    revokeLabel: (name: string) => `Révoquer le jeton ${name}`,
    revoked: "Le jeton est révoqué : les fournisseurs d'identité qui l'utilisent ne peuvent plus se connecter.",
  },
};

async function shoot(page: Page, testInfo: TestInfo, locator: ReturnType<Page['getByTestId']>, name: string) {
  await page.evaluate(() => document.fonts.ready);
  await locator.screenshot({ path: path.join(testInfo.project.testDir, 'screenshots', `${name}.png`), animations: 'disabled' });
}

/** The identity provider: one SCIM request with the token. */
async function scim(base: string, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

const person = (i: number, lang: Lang) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: `idp-${lang}-${i}@example.com`,
  name: { givenName: 'Idp', familyName: `Person ${i}` },
  emails: [{ primary: true, value: `idp-${lang}-${i}@example.com`, type: 'work' }],
  active: true,
});

/**
 * Signs in without the form and opens the page in lang, as fresh.ts's
 * signInFresh does, with room for a slow password check on a busy machine.
 */
async function signIn(page: Page, who: string, lang: Lang) {
  await page.context().clearCookies();
  const res = await page.request.post('/login', { form: { email: who, password: DEMO_PASSWORD, next: '/' }, maxRedirects: 0, timeout: 30_000 });
  expect(res.status(), `sign-in of ${who}`).toBe(303);
  await page.goto(`${ORG_PAGE}?lang=${lang}`);
}

/** A member's row: its header cell starts with the name. */
const memberRow = (page: Page, name: string) =>
  page.getByTestId('member-row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}(\\s|$)`) }) });

for (const lang of ['en', 'it', 'fr'] as Lang[]) {
  test.describe(`provisioning (${lang})`, () => {
    freshServer();
    test.describe.configure({ mode: 'serial' });
    test.use({ actionTimeout: 20_000, navigationTimeout: 30_000 });

    test(`an Owner connects SCIM; 5 people for 4 free seats; one waits; one seat bought from the wait-list seats them (${lang})`, async ({
      page,
      openPage,
    }, testInfo) => {
      // A long journey with three sign-ins (argon2id is slow by design).
      test.setTimeout(240_000);
      const w = W[lang];
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await signIn(page, email('owner', 'acme'), lang);
      await htmxReady(page);
      await markWindow(page);
      const section = page.getByTestId('provisioning');
      await expect(page.getByTestId('waitlist')).toHaveCount(0);

      // The Owner creates a token: shown once, copied with the button.
      const scimURL = await section.getByTestId('scim-url').inputValue();
      expect(scimURL).toBe(new URL('/scim/v2', page.url()).toString());
      await section.getByLabel(w.tokenName, { exact: true }).fill('Okta');
      await section.getByRole('button', { name: w.create, exact: true }).click();
      const created = section.getByTestId('new-token');
      await expect(created).toContainText(w.newToken('Okta'));
      const token = await created.getByTestId('new-token-value').inputValue();
      expect(token).toMatch(/^sdscim_[A-Za-z0-9_-]{40,}$/);
      const copy = created.getByRole('button', { name: w.copyToken, exact: true });
      await expect(copy).toBeVisible();
      await copy.click();
      await expect(created.locator('button[data-copy]')).toHaveText(w.copied);
      await expect(created.getByRole('button', { name: w.copied, exact: true })).toBeVisible();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
      await expect(section.getByTestId('scim-token-row')).toHaveCount(1);
      await expect(section.getByTestId('token-name')).toHaveText('Okta');
      await expectSameWindow(page);
      await shoot(page, testInfo, section, `${lang}-provisioning-token`);

      // The identity provider provisions 5 people: 4 seated, the 5th waits (201 all the same).
      const statuses: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const res = await scim(scimURL, token, 'POST', `/Users?attributes=${SEAT_EXT}`, person(i, lang));
        expect(res.status, JSON.stringify(res.json)).toBe(201);
        statuses.push(res.json['urn:seatdesk:params:scim:schemas:extension:seat:2.0:User']?.seatStatus ?? JSON.stringify(res.json));
      }
      const last = person(5, lang);
      const lastName = `${last.name.givenName} ${last.name.familyName}`;

      // The page shows one person waiting, in position 1.
      await page.goto(ORG_PAGE);
      await htmxReady(page);
      await markWindow(page);
      const list = page.getByTestId('waitlist');
      await expect(list.getByTestId('waitlist-count')).toHaveText(w.waiting(1));
      await expect(list.getByTestId('waiting-row')).toHaveCount(1);
      await expect(list.getByTestId('waiting-position')).toHaveText('1');
      await expect(list.getByTestId('waiting-name')).toHaveText(lastName);
      await expect(list.getByTestId('waiting-email')).toHaveText(last.userName);
      await expect(memberRow(page, lastName).locator('.badge')).toHaveText(w.pending);
      await expect(page.getByTestId('seat-summary-enterprise').getByTestId('available')).toHaveText('0');
      await shoot(page, testInfo, list, `${lang}-provisioning-waitlist-owner`);

      // An Admin sees the same, told that an Owner buys; no token buttons.
      const adminPage = await openPage({ baseURL: new URL(page.url()).origin }); // this file's server
      await signIn(adminPage, email('admin', 'acme'), lang);
      const adminList = adminPage.getByTestId('waitlist');
      await expect(adminList.getByTestId('waitlist-count')).toHaveText(w.waiting(1));
      await expect(adminList.getByTestId('waitlist-owner-buys')).toContainText(w.ownerBuys);
      await expect(adminList.getByRole('button', { name: w.buy(1) })).toHaveCount(0);
      await expect(adminPage.getByTestId('provisioning').getByTestId('create-token')).toHaveCount(0);
      await expect(adminPage.getByTestId('provisioning-owner-only')).toHaveText(w.ownerOnly);
      await shoot(adminPage, testInfo, adminList, `${lang}-provisioning-waitlist-admin`);
      await shoot(adminPage, testInfo, adminPage.getByTestId('provisioning'), `${lang}-provisioning-admin`);

      // The Owner buys one seat from the prompt: the review with the prorated charge, then Upgrade.
      await list.getByRole('button', { name: w.buy(1), exact: true }).click();
      const review = list.getByTestId('waitlist-review');
      const { remaining, termDays } = demoTerm();
      const amount = money(prorate(1, 6000, remaining, termDays), 'USD', lang);
      await expect(review.getByTestId('review-amount')).toHaveText(amount);
      await expect(review.getByTestId('review-seats')).toContainText('25');
      await expect(review.getByTestId('review-seats')).toContainText('26');
      await shoot(page, testInfo, list, `${lang}-provisioning-review`);
      await review.getByRole('button', { name: w.upgrade, exact: true }).click();
      await expect(list.getByTestId('waitlist-notice')).toHaveText(w.bought('ACME-00002'));
      await expect(list.getByTestId('waitlist-count')).toHaveText(w.nobody);

      // That person now holds an Enterprise seat; the summary and the table followed, in place.
      const summary = page.getByTestId('seat-summary-enterprise');
      await expect(summary.getByTestId('purchased')).toHaveText('26');
      await expect(summary.getByTestId('assigned')).toHaveText('26');
      await expect(summary.getByTestId('available')).toHaveText('0');
      await expect(page.getByRole('combobox', { name: w.seatFor(lastName), exact: true })).toHaveValue('enterprise');
      await expect(memberRow(page, lastName).locator('.badge')).toHaveText(w.active);
      await expectSameWindow(page);
      await shoot(page, testInfo, list, `${lang}-provisioning-bought`);
      const seated = await scim(scimURL, token, 'GET', `/Users?filter=${encodeURIComponent(`userName eq "${last.userName}"`)}&attributes=${SEAT_EXT}`);
      expect(JSON.stringify(seated.json)).toContain('"seatStatus":"assigned"');

      // Charged once: one invoice for it on Billing.
      await page.goto('/orgs/acme/settings/billing');
      await expect(page.getByTestId('invoice-row')).toHaveCount(2);
      await expect(page.getByTestId('invoice-row').filter({ hasText: 'ACME-00002' })).toHaveCount(1);
      expect(statuses.slice(0, 4).every((s) => s === 'assigned') && statuses[4] === 'waiting', statuses.join()).toBe(true);

      // Without JavaScript: the token is shown on the page that answers the
      // form, selectable, without the copy button; Revoke asks, then revokes.
      const plain = await openPage({ baseURL: new URL(page.url()).origin, javaScriptEnabled: false });
      await plain.context().addCookies(await page.context().cookies()); // the Owner's session
      await plain.goto(ORG_PAGE);
      const noJS = plain.getByTestId('provisioning');
      await noJS.getByLabel(w.tokenName, { exact: true }).fill('Entra');
      await noJS.getByRole('button', { name: w.create, exact: true }).click();
      await expect(noJS.getByTestId('new-token')).toContainText(w.newToken('Entra'));
      expect(await noJS.getByTestId('new-token-value').inputValue()).toMatch(/^sdscim_/);
      await expect(noJS.getByTestId('new-token').locator('button[data-copy]')).toBeHidden();
      await expect(noJS.getByTestId('scim-token-row')).toHaveCount(2);
      await noJS.getByRole('button', { name: w.revokeLabel('Okta'), exact: true }).click();
      await plain.getByTestId('confirm-revoke-button').click();
      // The confirmation survives the redirect, once, at the top of the page.
      await expect(plain).toHaveURL(/\/settings\/organization$/);
      await expect(plain.getByTestId('flash-success')).toContainText('Okta');
      await expect(plain.getByTestId('token-name')).toHaveText(['Entra']);
      expect((await scim(scimURL, token, 'GET', '/Users?count=1')).status).toBe(401);
    });
  });
}
