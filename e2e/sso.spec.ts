// R-PROV-1, R-PROV-3: single sign-on with a real, certified OpenID provider
// (oidc-provider, e2e/idp.ts) started by the test. An Owner configures single
// sign-on for acme on the Organization page (Test connection, a refused Save,
// then Save); a new person signs in through the provider and lands with an
// Enterprise seat; three more take acme's last free seats; the next one lands
// on the waiting page in their language and is in the members list filtered
// by "waiting for a seat"; the Owner buys one seat on Billing (the pencil,
// Review, Upgrade); that person reloads and is in. Without JavaScript the
// Owner saves and tests too; an Admin sees the section read-only. In Italian and in French, each on its own fresh server with its
// own provider. Screenshots of the section: e2e/screenshots/<lang>-sso-*.png
// (gitignored).
import path from 'node:path';
import type { BrowserContextOptions, Page, TestInfo } from '@playwright/test';
import { DEMO_PASSWORD } from './env';
import { expect as baseExpect, expectSameWindow, freshServer, htmxReady, markWindow, test } from './fresh';
import { IdentityProvider } from './idp';
import { expectSoundPage, T, type Lang } from './support';

// The journey runs a provider, a fresh server and six browsers, and a sign-in
// hashes a password on purpose slowly: on a busy machine it gets more time
// than the suite's defaults.
test.use({ actionTimeout: 15_000, navigationTimeout: 30_000 });
const expect = baseExpect.configure({ timeout: 15_000 });

/** signInFresh (e2e/fresh.ts) with the patience of this file. */
async function signInFresh(page: Page, who: string, where: string, lang: Lang) {
  await page.context().clearCookies();
  const res = await page.request.post('/login', { form: { email: who, password: DEMO_PASSWORD, next: '/' }, maxRedirects: 0, timeout: 30_000 });
  expect(res.status(), `sign-in of ${who}`).toBe(303);
  await page.goto(`${where}?lang=${lang}`);
}

const ORG_PAGE = '/orgs/acme/settings/organization';
const BILLING = '/orgs/acme/settings/billing';
const DOMAIN = 'acme-sso.example';

/** The wording the journey reads and clicks (locales/*.toml). */
const W = {
  en: {
    title: 'Single sign-on',
    issuer: 'Issuer URL',
    clientID: 'Client ID',
    clientSecret: 'Client secret',
    domains: 'Email domains',
    require: 'Require single sign-on',
    save: 'Save',
    test: 'Test connection',
    saved: 'Single sign-on saved.',
    stored: 'Stored; leave empty to keep it.',
    testOK: 'The identity provider answered.',
    secretMissing: 'Enter the client secret',
    ownersOnly: 'Only Owners and the Primary Owner can change single sign-on.',
    ssoEmail: 'Work email',
    ssoContinue: 'Continue with single sign-on',
    seat: 'Your seat type: Enterprise seat',
    waitingTitle: 'Waiting for a seat',
    jit: 'Single sign-on (JIT)',
    edit: 'Add seats',
    add: 'Seats to add',
    review: 'Review',
    purchased: (n: string) => `Seats added. Invoice ${n} has been recorded.`,
    on: 'On',
  },
  it: {
    title: 'Single sign-on',
    issuer: "URL dell'issuer",
    clientID: 'Client ID',
    clientSecret: 'Client secret',
    domains: 'Domini email',
    require: 'Richiedi il single sign-on',
    save: 'Salva',
    test: 'Verifica connessione',
    saved: 'Single sign-on salvato.',
    stored: 'Memorizzato; lascia vuoto per mantenerlo.',
    testOK: 'Il provider di identità ha risposto.',
    secretMissing: 'Inserisci il client secret',
    ownersOnly: 'Solo i Proprietari e il Proprietario Primario possono modificare il single sign-on.',
    ssoEmail: 'Email di lavoro',
    ssoContinue: 'Continua con il single sign-on',
    seat: 'Il tuo tipo di posto: Posto Enterprise',
    waitingTitle: 'In attesa di un posto',
    jit: 'Single sign-on (JIT)',
    edit: 'Aggiungi posti',
    add: 'Posti da aggiungere',
    review: 'Rivedi',
    purchased: (n: string) => `Posti aggiunti. La fattura ${n} è stata registrata.`,
    on: 'Attivo',
  },
  fr: {
    title: 'Authentification unique (SSO)',
    issuer: 'URL de l’émetteur',
    clientID: 'Identifiant client',
    clientSecret: 'Secret client',
    domains: 'Domaines de messagerie',
    require: 'Exiger l’authentification unique',
    save: 'Enregistrer',
    test: 'Tester la connexion',
    saved: 'Authentification unique enregistrée.',
    stored: 'Enregistré ; laissez vide pour le conserver.',
    testOK: 'Le fournisseur d’identité a répondu.',
    secretMissing: 'Saisissez le secret client',
    ownersOnly: 'Seuls les Propriétaires et le Propriétaire principal peuvent modifier l’authentification unique.',
    ssoEmail: 'E-mail professionnel',
    ssoContinue: 'Continuer avec l’authentification unique',
    seat: 'Votre type de siège : Siège Enterprise',
    waitingTitle: 'En attente d’un siège',
    jit: 'Authentification unique (JIT)',
    edit: 'Ajouter des sièges',
    add: 'Sièges à ajouter',
    review: 'Vérifier',
    purchased: (n: string) => `Sièges ajoutés. La facture ${n} a été enregistrée.`,
    on: 'Activé',
  },
};

/** The people of each run: the first five take acme's 4 free seats and wait. */
const PEOPLE: Record<'it' | 'fr', { name: string; email: string }[]> = {
  it: ['Nadia Neri', 'Ottavio Orsi', 'Paola Pini', 'Quirino Quadri', 'Rita Rossetti'].map((name) => ({
    name,
    email: `${name.split(' ')[0].toLowerCase()}@${DOMAIN}`,
  })),
  fr: ['Nadia Noël', 'Octave Ozanne', 'Pauline Perrin', 'Quentin Quéré', 'Rose Roussel'].map((name) => ({
    name,
    email: `${name.split(' ')[0].toLowerCase()}@${DOMAIN}`,
  })),
};
const PASSWORD = 'correct horse battery staple';

async function shot(page: Page, testInfo: TestInfo, name: string) {
  const section = page.getByTestId('sso');
  await section.scrollIntoViewIfNeeded();
  await section.screenshot({ path: path.join(testInfo.project.testDir, 'screenshots', `${name}.png`), animations: 'disabled' });
}

/** A member's row: its header cell starts with the name (the email follows). */
const row = (page: Page, name: string) =>
  page.getByTestId('member-row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}(\\s|$)`) }) });

/**
 * A person signs in as people do: Seatdesk's sign-in page, "Continue with
 * single sign-on", the provider's own sign-in and consent pages, and back.
 * Each person has a browser of their own (the provider remembers sessions).
 */
async function signInWithSSO(
  openPage: (o?: BrowserContextOptions) => Promise<Page>,
  baseURL: string,
  idp: IdentityProvider,
  person: { email: string },
  lang: Lang,
) {
  const page = await openPage({ baseURL, locale: lang });
  await page.goto(`/login?lang=${lang}`);
  const w = W[lang];
  await page.getByLabel(w.ssoEmail, { exact: true }).fill(person.email);
  await page.getByRole('button', { name: w.ssoContinue, exact: true }).click();
  // The provider: its sign-in form knows the email (login_hint).
  await expect(page).toHaveURL(new RegExp(`^${idp.issuer}/interaction/`));
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(person.email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await expect(page).toHaveURL(/\/orgs\/acme$/);
  return page;
}

async function ownerPage(page: Page, lang: Lang) {
  await signInFresh(page, 'owner@acme.example', ORG_PAGE, lang);
  await expect(page.getByTestId('sso')).toBeVisible();
  await htmxReady(page);
  await markWindow(page);
}

// One language after the other (each with its own server and provider), so
// that the two do not compete for the machine.
test.describe.configure({ mode: 'default' });

for (const lang of ['it', 'fr'] as const) {
  test.describe(`single sign-on (${lang})`, () => {
    const server = freshServer();
    const idp = new IdentityProvider();
    test.beforeAll(async () => {
      await idp.start(server.url);
      for (const p of PEOPLE[lang]) idp.addAccount({ ...p, password: PASSWORD });
    });
    test.afterAll(async () => {
      await idp.stop();
    });
    test.describe.configure({ mode: 'serial' });

    test(`an Owner configures single sign-on; 4 people take the free seats, the 5th waits, a seat bought lets them in (${lang})`, async ({
      page,
      openPage,
      watcher,
    }, testInfo) => {
      test.setTimeout(240_000);
      watcher.allowStatus(403, 422);
      const w = W[lang];
      await ownerPage(page, lang);
      const section = page.getByTestId('sso');
      await expect(section.getByRole('heading', { level: 2 })).toHaveText(w.title);
      await expect(section.getByTestId('sso-redirect-uri')).toHaveText(`${server.url}/sso/callback`);
      await shot(page, testInfo, `${lang}-sso-empty`);

      // The form as typed; Test connection reads the provider's discovery document.
      await section.getByLabel(w.issuer, { exact: true }).fill(idp.issuer);
      await section.getByLabel(w.clientID, { exact: true }).fill(idp.clientID);
      await section.getByLabel(w.domains, { exact: true }).fill(DOMAIN);
      await section.getByRole('button', { name: w.test, exact: true }).click();
      const result = section.getByTestId('sso-test-result');
      await expect(result).toContainText(w.testOK);
      await expect(result).toContainText(`${idp.issuer}/auth`);
      await expect(result).toContainText('S256');
      // Only the result came back: what was typed is still there.
      await expect(section.getByLabel(w.clientID, { exact: true })).toHaveValue(idp.clientID);
      await shot(page, testInfo, `${lang}-sso-test`);

      // Save without a secret: refused, the message next to the field, in the user's language.
      await section.getByRole('button', { name: w.save, exact: true }).click();
      await expect(section.getByTestId('sso-error-client_secret')).toContainText(w.secretMissing);
      await expect(section.getByLabel(w.clientSecret, { exact: true })).toHaveAttribute('aria-invalid', 'true');
      await expect(section.getByLabel(w.domains, { exact: true })).toHaveValue(DOMAIN);
      await shot(page, testInfo, `${lang}-sso-error`);

      // With the secret: saved, in place; the secret is never shown again.
      await section.getByLabel(w.clientSecret, { exact: true }).fill(idp.clientSecret);
      await section.getByRole('button', { name: w.save, exact: true }).click();
      await expect(section.getByTestId('sso-notice')).toHaveText(w.saved);
      await expect(section.getByLabel(w.clientSecret, { exact: true })).toHaveValue('');
      await expect(section).toContainText(w.stored);
      await expect(section.getByLabel(w.require, { exact: true })).not.toBeChecked();
      await expectSameWindow(page);
      await shot(page, testInfo, `${lang}-sso-saved`);
      await page.reload();
      expect(await page.content()).not.toContain(idp.clientSecret);
      await expect(page.getByTestId('sso').getByLabel(w.issuer, { exact: true })).toHaveValue(idp.issuer);
      await expectSoundPage(page, lang);

      // A new person signs in through the provider and lands with an Enterprise seat.
      const [first, ...others] = PEOPLE[lang];
      const firstPage = await signInWithSSO(openPage, server.url, idp, first, lang);
      await expect(firstPage.getByTestId('member-seat')).toHaveText(w.seat);
      expect(idp.tokensIssued).toBeGreaterThan(0);

      // Three more take acme's last free seats; the fifth waits, told so in their language.
      for (const p of others.slice(0, 3)) {
        const pp = await signInWithSSO(openPage, server.url, idp, p, lang);
        await expect(pp.getByTestId('member-seat')).toHaveText(w.seat);
      }
      const waiting = others[3];
      const waitingPage = await signInWithSSO(openPage, server.url, idp, waiting, lang);
      await expect(waitingPage.getByRole('heading', { level: 1 })).toHaveText(w.waitingTitle);
      await expect(waitingPage.getByTestId('error-403')).toContainText('Acme Corp');
      await expectSoundPage(waitingPage, lang);

      // The Owner sees them in the members list filtered by "waiting for a seat".
      await page.goto(ORG_PAGE);
      await htmxReady(page);
      await expect(page.getByTestId('seat-summary-enterprise').getByTestId('available')).toHaveText('0');
      await expect(row(page, first.name)).toContainText(w.jit);
      await page.getByLabel(T[lang].status, { exact: true }).selectOption('pending');
      await expect(page.getByTestId('member-row')).toHaveCount(1);
      await expect(row(page, waiting.name)).toContainText(T[lang].pending);
      await expect(row(page, waiting.name)).toContainText(waiting.email);

      // The Owner buys one seat: Billing's pencil, Review, Upgrade.
      await page.goto(BILLING);
      await htmxReady(page);
      await page.getByRole('button', { name: w.edit, exact: true }).click();
      await page.getByTestId('seat-editor').getByLabel(w.add, { exact: true }).fill('1');
      await page.getByTestId('seat-editor').getByRole('button', { name: w.review, exact: true }).click();
      await page.getByTestId('upgrade').click();
      await expect(page.getByTestId('billing-notice')).toHaveText(w.purchased('ACME-00002'));

      // The person waiting reloads and is in, with the seat just bought.
      await waitingPage.reload();
      await expect(waitingPage.getByTestId('member-seat')).toHaveText(w.seat);
      await page.goto(`${ORG_PAGE}?status=pending`);
      await expect(page.getByTestId('member-row')).toHaveCount(0);
      await expect(page.getByTestId('seat-summary-enterprise').getByTestId('purchased')).toHaveText('26');
    });

    test(`without JavaScript an Owner saves and tests; an Admin sees single sign-on read-only (${lang})`, async ({ page, openPage }, testInfo) => {
      test.setTimeout(120_000);
      const w = W[lang];
      // Without JavaScript: Save posts and comes back with the confirmation;
      // Test connection answers with the page.
      const nojs = await openPage({ baseURL: server.url, locale: lang, javaScriptEnabled: false });
      await signInFresh(nojs, 'owner@acme.example', ORG_PAGE, lang);
      await nojs.getByTestId('sso').getByLabel(w.require, { exact: true }).check();
      await nojs.getByTestId('sso').getByRole('button', { name: w.save, exact: true }).click();
      await expect(nojs).toHaveURL(new RegExp(`${ORG_PAGE}$`));
      await expect(nojs.getByTestId('flash-success')).toHaveText(w.saved);
      await expect(nojs.getByTestId('sso').getByLabel(w.require, { exact: true })).toBeChecked();
      await nojs.getByTestId('sso').getByRole('button', { name: w.test, exact: true }).click();
      await expect(nojs).toHaveURL(new RegExp(`${ORG_PAGE}/sso/test$`));
      await expect(nojs.getByTestId('sso-test-result')).toContainText(w.testOK);
      expect(await nojs.content()).not.toContain(idp.clientSecret);

      await signInFresh(page, 'admin@acme.example', ORG_PAGE, lang);
      const section = page.getByTestId('sso');
      await expect(section.getByTestId('sso-require')).toHaveText(w.on);
      await expect(section.getByTestId('sso-issuer')).toHaveText(idp.issuer);
      await expect(section.getByTestId('sso-domains')).toHaveText(DOMAIN);
      await expect(section.getByTestId('sso-owners-only')).toHaveText(w.ownersOnly);
      await expect(section.getByRole('button')).toHaveCount(0);
      await expect(section.locator('input')).toHaveCount(0);
      expect(await page.content()).not.toContain(idp.clientSecret);
      await shot(page, testInfo, `${lang}-sso-admin`);
      if (lang === 'it') {
        // The Owner's section in English too, for the screenshots.
        await signInFresh(page, 'owner@acme.example', ORG_PAGE, 'en');
        await expect(page.getByTestId('sso').getByRole('heading', { level: 2 })).toHaveText(W.en.title);
        await expect(page.getByTestId('sso')).toContainText(W.en.stored);
        await shot(page, testInfo, 'en-sso-saved');
        await signInFresh(page, 'admin@acme.example', ORG_PAGE, 'en');
        await expect(page.getByTestId('sso-owners-only')).toHaveText(W.en.ownersOnly);
        await shot(page, testInfo, 'en-sso-admin');
      }
    });
  });
}
