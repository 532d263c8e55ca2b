// Fixtures and helpers shared by the browser tests.
//
// Every page a test opens is watched: console errors, uncaught exceptions,
// Content-Security-Policy violations and any HTML response (full page or htmx
// fragment) containing the missing-translation marker "⟦" fail the test when
// it ends. A test that expects an error status (403, 404, 422) says so with
// watcher.allowStatus(…), which only excuses Chromium's "Failed to load
// resource: … status of 403" line.
import { test as base, expect, type BrowserContext, type BrowserContextOptions, type Cookie, type Page, type Response } from '@playwright/test';
import { DEMO_PASSWORD } from './env';

export { expect };

export type Lang = 'en' | 'it' | 'fr';
export type Role = 'primary' | 'owner' | 'admin' | 'member';
export type OrgSlug = 'acme' | 'bottega' | 'maison';

export const LANGS: Lang[] = ['en', 'it', 'fr'];
export const ROLES: Role[] = ['primary', 'owner', 'admin', 'member'];
export const ORGS: OrgSlug[] = ['acme', 'bottega', 'maison'];
export const MISSING = '⟦';

export const email = (role: Role, org: OrgSlug) => `${role}@${org}.example`;

/** Seat types of each demo organization, with purchased/assigned/available and price in minor units. */
export const SEATS: Record<OrgSlug, { key: string; purchased: number; assigned: number; available: number; priceMinor: number }[]> = {
  acme: [{ key: 'enterprise', purchased: 25, assigned: 21, available: 4, priceMinor: 6000 }],
  bottega: [
    { key: 'chat', purchased: 20, assigned: 14, available: 6, priceMinor: 2000 },
    { key: 'chat_code', purchased: 10, assigned: 10, available: 0, priceMinor: 4500 },
  ],
  maison: [
    { key: 'standard', purchased: 30, assigned: 22, available: 8, priceMinor: 2500 },
    { key: 'premium', purchased: 10, assigned: 8, available: 2, priceMinor: 5000 },
  ],
};
export const MEMBERS: Record<OrgSlug, { total: number; unassigned: number }> = {
  acme: { total: 24, unassigned: 3 },
  bottega: { total: 25, unassigned: 1 },
  maison: { total: 32, unassigned: 2 },
};
export const ORG_NAMES: Record<OrgSlug, string> = { acme: 'Acme Corp', bottega: 'Bottega Srl', maison: 'Maison SA' };

/** The user's wording, per language (from the seeds; see locales/*.toml). */
export const T = {
  en: {
    language: 'English', settings: 'Organization settings', organization: 'Organization', billing: 'Billing',
    seats: 'Seats', seatType: 'Seat type', unassigned: 'Unassigned', enterprise: 'Enterprise seat',
    signIn: 'Sign in', email: 'Email', password: 'Password', signOut: 'Sign out', search: 'Search', status: 'Status',
    filter: 'Filter', members: 'Members', memberHome: 'Your access', badCredentials: 'The email or password is incorrect.',
    forbiddenTitle: 'You do not have access to this page', notFoundTitle: 'Page not found',
    roles: { primary: 'Primary Owner', owner: 'Owner', admin: 'Admin', member: 'Member' },
    purchased: 'Purchased', assigned: 'Assigned', available: 'Available', totalPerYear: 'Total per year',
    noMembers: 'No members match.', active: 'Active', pending: 'Waiting for a seat', all: 'All',
  },
  it: {
    language: 'Italiano', settings: 'Impostazioni organizzazione', organization: 'Organizzazione', billing: 'Fatturazione',
    seats: 'Posti', seatType: 'Tipo di posto', unassigned: 'Non assegnato', enterprise: 'Posto Enterprise',
    signIn: 'Accedi', email: 'Email', password: 'Password', signOut: 'Esci', search: 'Cerca', status: 'Stato',
    filter: 'Filtra', members: 'Membri', memberHome: 'Il tuo accesso', badCredentials: "L'email o la password non sono corrette.",
    forbiddenTitle: 'Non hai accesso a questa pagina', notFoundTitle: 'Pagina non trovata',
    roles: { primary: 'Proprietario Primario', owner: 'Proprietario', admin: 'Amministratore', member: 'Membro' },
    purchased: 'Acquistati', assigned: 'Assegnati', available: 'Disponibili', totalPerYear: "Totale all'anno",
    noMembers: 'Nessun membro corrisponde.', active: 'Attivo', pending: 'In attesa di un posto', all: 'Tutti',
  },
  fr: {
    language: 'Français', settings: "Paramètres de l'organisation", organization: 'Organisation', billing: 'Facturation',
    seats: 'Sièges', seatType: 'Type de siège', unassigned: 'Non assigné', enterprise: 'Siège Enterprise',
    signIn: 'Se connecter', email: 'E-mail', password: 'Mot de passe', signOut: 'Se déconnecter', search: 'Rechercher',
    status: 'Statut', filter: 'Filtrer', members: 'Membres', memberHome: 'Votre accès',
    badCredentials: "L'e-mail ou le mot de passe est incorrect.",
    forbiddenTitle: "Vous n'avez pas accès à cette page", notFoundTitle: 'Page introuvable',
    roles: { primary: 'Propriétaire principal', owner: 'Propriétaire', admin: 'Administrateur', member: 'Membre' },
    purchased: 'Achetés', assigned: 'Assignés', available: 'Disponibles', totalPerYear: 'Total par an',
    noMembers: 'Aucun membre ne correspond.', active: 'Actif', pending: "En attente d'un siège", all: 'Tous',
  },
} as const;

const NBSP = '\u00a0'; // between amount and currency symbol (it, fr)
const NNBSP = '\u202f'; // French digit grouping

/**
 * Money as the app renders it (bojanz/currency, CLDR 48): minor units → text.
 * en "$18,000.00", it "18.000,00 USD" / "5.400,00 €", fr "18 000,00 $US" / "5 400,00 €".
 */
export function money(minor: number, currency: 'USD' | 'EUR', lang: Lang): string {
  const units = Math.floor(minor / 100).toString();
  const cents = (minor % 100).toString().padStart(2, '0');
  const group = (sep: string) => units.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  const symbol = { USD: { en: '$', it: 'USD', fr: '$US' }, EUR: { en: '€', it: '€', fr: '€' } }[currency][lang];
  switch (lang) {
    case 'en':
      return `${symbol}${group(',')}.${cents}`;
    case 'it':
      return `${group('.')},${cents}${NBSP}${symbol}`;
    case 'fr':
      return `${group(NNBSP)},${cents}${NBSP}${symbol}`;
  }
}

export class PageWatcher {
  readonly problems: string[] = [];
  private readonly allowed: RegExp[] = [];
  private readonly pending: Promise<void>[] = [];

  /** Excuse Chromium's console line for a document answered with this status. */
  allowStatus(...statuses: number[]) {
    for (const s of statuses) this.allowed.push(new RegExp(`Failed to load resource: the server responded with a status of ${s}\\b`));
  }

  async attach(page: Page) {
    const where = () => page.url();
    page.on('console', (msg) => {
      if (msg.type() !== 'error' && !/Content.Security.Policy/i.test(msg.text())) return;
      const text = msg.text();
      if (this.allowed.some((re) => re.test(text))) return;
      this.problems.push(`console ${msg.type()} on ${where()}: ${text}`);
    });
    page.on('pageerror', (err) => this.problems.push(`uncaught exception on ${where()}: ${err.message}`));
    page.on('response', (res) => this.pending.push(this.checkResponse(res)));
    // A CSP violation also reaches the page as an event: report it even if
    // Chromium itself logged nothing.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
      });
    });
  }

  private async checkResponse(res: Response) {
    const type = res.headers()['content-type'] || '';
    if (!type.startsWith('text/html')) return;
    if (res.status() >= 300 && res.status() < 400) return;
    let body: string;
    try {
      body = await res.text();
    } catch {
      return; // the page navigated away before the body was read
    }
    if (body.includes(MISSING)) {
      const at = body.indexOf(MISSING);
      this.problems.push(`missing translation in ${res.request().method()} ${res.url()}: …${body.slice(at, at + 60)}…`);
    }
    if (res.status() >= 500) this.problems.push(`HTTP ${res.status()} from ${res.request().method()} ${res.url()}`);
  }

  async check() {
    await Promise.all(this.pending);
    expect(this.problems, 'console errors, CSP violations, missing translations or 5xx').toEqual([]);
  }
}

type Fixtures = {
  watcher: PageWatcher;
  /** Opens a new context (and page) that is watched the same way, e.g. with JavaScript off. */
  openPage: (options?: BrowserContextOptions) => Promise<Page>;
};
type WorkerFixtures = {
  /** Session cookies of each demo login, signed in once per worker (POST /login). */
  sessions: (who: string) => Promise<Cookie[]>;
};

export const test = base.extend<Fixtures, WorkerFixtures>({
  sessions: [
    async ({ playwright }, use, workerInfo) => {
      const cache = new Map<string, Promise<Cookie[]>>();
      const login = async (who: string) => {
        const api = await playwright.request.newContext({ baseURL: workerInfo.project.use.baseURL });
        const res = await api.post('/login', { form: { email: who, password: DEMO_PASSWORD, next: '/' }, maxRedirects: 0 });
        expect(res.status(), `sign-in of ${who}`).toBe(303);
        const { cookies } = await api.storageState();
        await api.dispose();
        expect(cookies.map((c) => c.name), `session cookie of ${who}`).toContain('seatdesk_session');
        return cookies;
      };
      await use((who) => {
        if (!cache.has(who)) cache.set(who, login(who));
        return cache.get(who)!;
      });
    },
    { scope: 'worker' },
  ],
  watcher: async ({}, use) => {
    const watcher = new PageWatcher();
    await use(watcher);
    await watcher.check();
  },
  page: async ({ page, watcher }, use) => {
    await watcher.attach(page);
    await use(page);
  },
  openPage: async ({ browser, watcher }, use, testInfo) => {
    const contexts: BrowserContext[] = [];
    await use(async (options) => {
      const context = await browser.newContext({ baseURL: testInfo.project.use.baseURL, ...options });
      contexts.push(context);
      const page = await context.newPage();
      await watcher.attach(page);
      return page;
    });
    for (const c of contexts) await c.close();
  },
});

/**
 * Opens the organization as a demo user with a session signed in earlier in
 * this worker (faster than the form; auth.spec.ts signs in through the form).
 * Never sign out of such a session: use signInAs for that. Switching user
 * replaces the page's cookies.
 */
export async function openAs(page: Page, sessions: WorkerFixtures['sessions'], role: Role, org: OrgSlug, lang: Lang = 'en') {
  const context = page.context();
  await context.clearCookies();
  await context.addCookies(await sessions(email(role, org)));
  // ?lang= sets the language cookie; "/" leads to the user's organization.
  await page.goto(`/?lang=${lang}`);
  await expectLanding(page, role, org);
}

/**
 * Signs in through the form as a person does: opens /login (in lang), unless
 * onThisPage says the form is already shown (after a redirect to sign in).
 */
export async function signIn(page: Page, who: string, opts: { lang?: Lang; password?: string; onThisPage?: boolean } = {}) {
  const lang = opts.lang ?? 'en';
  if (!opts.onThisPage) await page.goto(`/login?lang=${lang}`);
  const t = T[lang];
  await page.getByLabel(t.email, { exact: true }).fill(who);
  await page.getByLabel(t.password, { exact: true }).fill(opts.password ?? DEMO_PASSWORD);
  await page.getByRole('button', { name: t.signIn, exact: true }).click();
}

/** Signs in and waits for the page a user of that role lands on. */
export async function signInAs(page: Page, role: Role, org: OrgSlug, lang: Lang = 'en') {
  await signIn(page, email(role, org), { lang });
  await expectLanding(page, role, org);
}

/** Where a user of that role lands in their organization. */
export async function expectLanding(page: Page, role: Role, org: OrgSlug) {
  if (role === 'member') {
    await expect(page).toHaveURL(new RegExp(`/orgs/${org}$`));
    await expect(page.getByTestId('member-home')).toBeVisible();
  } else {
    await expect(page).toHaveURL(new RegExp(`/orgs/${org}/settings/organization$`));
    await expect(page.getByTestId('breadcrumb')).toBeVisible();
  }
}

/** Signs out with the top bar's button. */
export async function signOut(page: Page, lang: Lang = 'en') {
  await page.getByRole('button', { name: T[lang].signOut, exact: true }).click();
  await expect(page).toHaveURL('/login');
}

/** What every page must be: lang attribute, htmx loaded, no missing-key marker in what is shown. */
export async function expectSoundPage(page: Page, lang: Lang) {
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await page.waitForFunction(() => typeof (window as unknown as { htmx?: unknown }).htmx === 'object');
  expect(await page.locator('body').innerText()).not.toContain(MISSING);
  expect(await page.title()).not.toContain(MISSING);
}

/**
 * The seat type shown in each members-table row: the chosen option of the
 * row's seat-type dropdown (Admins and above), else the cell's text.
 */
export async function seatTypesShown(page: Page): Promise<string[]> {
  return page.getByTestId('member-row').getByTestId('member-seat-type').evaluateAll((cells) =>
    cells.map((td) => {
      const select = td.querySelector('select');
      const text = select ? select.selectedOptions[0]?.textContent : td.textContent;
      return (text ?? '').replace(/\s+/g, ' ').trim();
    }),
  );
}

/** The purchased/assigned/available numbers of one seat type in a container. */
export async function seatNumbers(page: Page, testId: string) {
  const box = page.getByTestId(testId);
  const n = async (id: string) => (await box.getByTestId(id).innerText()).trim();
  return { purchased: await n('purchased'), assigned: await n('assigned'), available: await n('available') };
}
