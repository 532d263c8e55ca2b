// R-SEAT-7/8/9, R-SEAT-6, R-INV-3: the Organization page's seat-type dropdowns,
// Unassigned and back, the seeds' three-step swap, an Owner buying a seat in
// the same step, and removing a member. These change data, so this file runs
// on its own fresh server (e2e/fresh.ts), its tests in order.
import type { Page } from '@playwright/test';
import { demoTerm, expect, expectSameWindow, freshServer, htmxReady, markWindow, prorate, signInFresh, test } from './fresh';
import { email, money, type Lang, type OrgSlug, type Role } from './support';

freshServer();
test.describe.configure({ mode: 'serial' });

const ORG_PAGE = (org: OrgSlug) => `/orgs/${org}/settings/organization`;
const CODE = 'Chat + Claude Code';

/** The Organization page's wording (locales/*.toml). */
const W = {
  en: {
    seatFor: (name: string) => `Seat type for ${name}`,
    unassigned: 'Unassigned',
    moveTo: (type: string) => `Move to ${type}`,
    noSeatAdmin: (type: string) =>
      `No seat of type ${type} is available. An Owner can buy one, or a seat must be freed first (for example by setting someone Unassigned). Nothing was changed.`,
    lossAccess: (name: string) => `${name} will lose access to Claude until a seat is assigned again, and stays in the organization.`,
  },
  it: {
    seatFor: (name: string) => `Tipo di posto per ${name}`,
    unassigned: 'Non assegnato',
    moveTo: (type: string) => `Sposta a ${type}`,
    noSeatAdmin: (type: string) =>
      `Nessun posto di tipo ${type} è disponibile. Un Proprietario può acquistarne uno, oppure occorre prima liberare un posto (ad esempio impostando qualcuno su Non assegnato). Non è stato modificato nulla.`,
    lossAccess: (name: string) => `${name} perderà l'accesso a Claude finché non gli verrà assegnato di nuovo un posto, e resterà nell'organizzazione.`,
  },
  fr: {
    seatFor: (name: string) => `Type de siège pour ${name}`,
    unassigned: 'Non assigné',
    moveTo: (type: string) => `Passer à ${type}`,
    noSeatAdmin: (type: string) =>
      `Aucun siège de type ${type} n'est disponible. Un Propriétaire peut en acheter un, ou il faut d'abord libérer un siège (par exemple en définissant quelqu'un comme Non assigné). Rien n'a été modifié.`,
    lossAccess: (name: string) => `${name} perdra l'accès à Claude jusqu'à ce qu'un siège lui soit de nouveau assigné, et restera dans l'organisation.`,
  },
};

async function openOrganization(page: Page, role: Role, org: OrgSlug, lang: Lang = 'en') {
  await signInFresh(page, email(role, org), ORG_PAGE(org), lang);
  await expect(page).toHaveURL(new RegExp(`${ORG_PAGE(org)}(\\?|$)`));
  await expect(page.getByTestId('member-row').first()).toBeVisible();
  await htmxReady(page);
  await markWindow(page);
}

/** A member's row: its header cell starts with the name (the email may follow). */
const row = (page: Page, name: string) =>
  page.getByTestId('member-row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}(\\s|$)`) }) });

const seatSelect = (page: Page, name: string, lang: Lang) => page.getByRole('combobox', { name: W[lang].seatFor(name), exact: true });

/** Picks an option in a member's seat dropdown, applies it, and waits for htmx's answer (the row, in place). */
async function chooseSeat(page: Page, name: string, label: string, lang: Lang, status = 200) {
  const answer = page.waitForResponse((res) => res.request().method() === 'POST' && /\/members\/\d+\/seat$/.test(new URL(res.url()).pathname));
  await seatSelect(page, name, lang).selectOption({ label });
  await row(page, name).getByTestId('seat-apply').click();
  const res = await answer;
  expect(res.status(), `seat change of ${name} to ${label}`).toBe(status);
  expect(await res.text()).not.toContain('<html');
}

/** Purchased / assigned / available (and reserved when shown) of one seat type in the summary. */
async function expectSummary(page: Page, key: string, want: { purchased: number; assigned: number; available: number }) {
  const card = page.getByTestId(`seat-summary-${key}`);
  await expect(card.getByTestId('purchased')).toHaveText(String(want.purchased));
  await expect(card.getByTestId('assigned')).toHaveText(String(want.assigned));
  await expect(card.getByTestId('available')).toHaveText(String(want.available));
}

/**
 * The seeds' example (R-SEAT-9): all Chat + Claude Code seats are taken; A
 * holds one, B holds Chat, and they swap through Unassigned. First, B straight
 * to Chat + Claude Code meets the Admin's no-seat answer.
 */
async function swap(page: Page, lang: Lang, a: string, b: string) {
  const w = W[lang];
  const full = { purchased: 10, assigned: 10, available: 0 };
  const chat = { purchased: 20, assigned: 14, available: 6 };
  await expectSummary(page, 'chat_code', full);
  await expectSummary(page, 'chat', chat);
  await expect(seatSelect(page, a, lang)).toHaveValue('chat_code');
  await expect(seatSelect(page, b, lang)).toHaveValue('chat');

  // 0. B → Chat + Claude Code: no seat; the Admin is told what to do; nothing changes.
  await chooseSeat(page, b, CODE, lang, 409);
  await expect(row(page, b).getByTestId('panel-no_seat').locator('p')).toHaveText(w.noSeatAdmin(CODE));
  await expect(row(page, b).getByTestId('buy-seat')).toHaveCount(0);
  await expect(seatSelect(page, b, lang)).toHaveValue('chat');
  await expectSummary(page, 'chat_code', full);
  await expectSummary(page, 'chat', chat);

  // 1. A → Unassigned, after saying what A loses.
  await chooseSeat(page, a, w.unassigned, lang);
  const confirm = row(page, a).getByTestId('panel-confirm_seat');
  await expect(confirm).toContainText(w.lossAccess(a));
  await expect(seatSelect(page, a, lang)).toHaveValue('chat_code');
  await expectSummary(page, 'chat_code', full);
  await confirm.getByRole('button', { name: w.moveTo(w.unassigned), exact: true }).click();
  await expect(row(page, a).getByTestId('panel-confirm_seat')).toHaveCount(0);
  await expect(seatSelect(page, a, lang)).toHaveValue('');
  await expectSummary(page, 'chat_code', { purchased: 10, assigned: 9, available: 1 });

  // 2. B → Chat + Claude Code: the freed seat.
  await chooseSeat(page, b, CODE, lang);
  await expect(row(page, b).getByTestId('panel-no_seat')).toHaveCount(0);
  await expect(seatSelect(page, b, lang)).toHaveValue('chat_code');
  await expectSummary(page, 'chat_code', full);
  await expectSummary(page, 'chat', { purchased: 20, assigned: 13, available: 7 });

  // 3. A → Chat.
  await chooseSeat(page, a, 'Chat', lang);
  await expect(seatSelect(page, a, lang)).toHaveValue('chat');
  await expectSummary(page, 'chat_code', full);
  await expectSummary(page, 'chat', chat);

  // All in place, without a page load; and so it stays.
  await expectSameWindow(page);
  await page.reload();
  await expect(seatSelect(page, a, lang)).toHaveValue('chat');
  await expect(seatSelect(page, b, lang)).toHaveValue('chat_code');
  await expectSummary(page, 'chat_code', full);
  await expectSummary(page, 'chat', chat);
}

// Each run swaps back the previous one's pair: Olive and Mia end where they started after en, it, fr… swapped.
const SWAPS: [Lang, string, string][] = [
  ['en', 'Olive Owner', 'Mia Member'],
  ['it', 'Mia Member', 'Olive Owner'],
  ['fr', 'Olive Owner', 'Mia Member'],
];
for (const [lang, a, b] of SWAPS) {
  test(`bottega (${lang}): the Admin swaps ${a} (Chat + Claude Code) and ${b} (Chat) through Unassigned, buying nothing`, async ({ page, watcher }) => {
    watcher.allowStatus(409);
    await openOrganization(page, 'admin', 'bottega', lang);
    await swap(page, lang, a, b);
    // No purchase: the Owner's Billing still has the demo's invoice alone.
    await signInFresh(page, email('owner', 'bottega'), '/orgs/bottega/settings/billing', 'en');
    await expect(page.getByTestId('invoice-row')).toHaveCount(1);
    await expect(page.getByTestId('billing-seat-chat_code').getByTestId('purchased')).toHaveText('10');
  });
}

test('bottega: with no seat free, the Owner buys one and assigns it in one step', async ({ page, watcher }) => {
  watcher.allowStatus(409);
  await openOrganization(page, 'owner', 'bottega');
  const name = 'Sarah Marino';
  await expect(seatSelect(page, name, 'en')).toHaveValue('chat');
  await expectSummary(page, 'chat_code', { purchased: 10, assigned: 10, available: 0 });

  await chooseSeat(page, name, CODE, 'en', 409);
  const panel = row(page, name).getByTestId('panel-buy_seat');
  const term = demoTerm();
  const amount = money(prorate(1, 4500, term.remaining, term.termDays), 'EUR', 'en');
  await expect(panel).toContainText(`No seat of type ${CODE} is available.`);
  await expect(panel).toContainText(
    `One seat costs ${money(4500, 'EUR', 'en')} per month; for the ${term.remaining} of ${term.termDays} days left in the term, ${amount} is charged now.`,
  );
  await expect(seatSelect(page, name, 'en')).toHaveValue('chat');
  const buy = panel.getByTestId('buy-seat');
  await expect(buy).toHaveText(`Buy 1 seat (${CODE}) for ${amount} and assign it`);
  await buy.click();

  await expect(row(page, name).getByTestId('panel-done')).toHaveText(`Bought 1 seat (${CODE}, invoice BOTTEGA-00002) and assigned it.`);
  await expect(seatSelect(page, name, 'en')).toHaveValue('chat_code');
  await expectSummary(page, 'chat_code', { purchased: 11, assigned: 11, available: 0 });
  await expectSummary(page, 'chat', { purchased: 20, assigned: 13, available: 7 });
  await expectSameWindow(page);

  await page.goto('/orgs/bottega/settings/billing');
  const invoice = page.getByTestId('invoice-row').filter({ hasText: 'BOTTEGA-00002' });
  await expect(invoice.getByRole('cell').last()).toHaveText(amount);
  await expect(page.getByTestId('billing-seat-chat_code').getByTestId('purchased')).toHaveText('11');
});

test('acme: the Admin sets a member Unassigned (the member loses access) and restores the seat', async ({ page, openPage, baseURL }) => {
  const name = 'Giulia Rossi';
  // Giulia's own view, in a second browser.
  const giulia = await openPage({ baseURL });
  await signInFresh(giulia, 'giulia.rossi1@acme.example', '/orgs/acme');
  await expect(giulia.getByTestId('member-seat')).toHaveText('Your seat type: Enterprise seat');

  await openOrganization(page, 'admin', 'acme');
  await expectSummary(page, 'enterprise', { purchased: 25, assigned: 21, available: 4 });
  await expect(seatSelect(page, name, 'en')).toHaveValue('enterprise');

  await chooseSeat(page, name, 'Unassigned', 'en');
  const confirm = row(page, name).getByTestId('panel-confirm_seat');
  await expect(confirm).toContainText(W.en.lossAccess(name));
  await confirm.getByRole('button', { name: 'Move to Unassigned', exact: true }).click();
  await expect(seatSelect(page, name, 'en')).toHaveValue('');
  await expectSummary(page, 'enterprise', { purchased: 25, assigned: 20, available: 5 });
  await expect(row(page, name)).toContainText('Active'); // still a member

  await giulia.reload();
  await expect(giulia.getByTestId('member-seat')).toHaveText('Your seat type: Unassigned');
  await expect(giulia.getByTestId('member-home')).toContainText('You have no seat at the moment, so you cannot use Claude.');

  // Restore = choose a seat type again (no question: nothing is lost).
  await chooseSeat(page, name, 'Enterprise seat', 'en');
  await expect(row(page, name).getByTestId('panel-confirm_seat')).toHaveCount(0);
  await expect(seatSelect(page, name, 'en')).toHaveValue('enterprise');
  await expectSummary(page, 'enterprise', { purchased: 25, assigned: 21, available: 4 });
  await expectSameWindow(page);

  await giulia.reload();
  await expect(giulia.getByTestId('member-seat')).toHaveText('Your seat type: Enterprise seat');
});

test('acme: the Admin removes a member; the seat is free, the bill unchanged, and their session ends at once', async ({ page, openPage, baseURL }) => {
  const name = 'Mia Member';
  const mia = await openPage({ baseURL });
  await signInFresh(mia, email('member', 'acme'), '/orgs/acme');
  await expect(mia.getByTestId('member-home')).toBeVisible();

  await openOrganization(page, 'admin', 'acme');
  await expect(page.getByTestId('member-row')).toHaveCount(24);
  await expectSummary(page, 'enterprise', { purchased: 25, assigned: 21, available: 4 });
  await row(page, name).getByTestId('row-menu').locator('summary').click();
  await row(page, name).getByTestId('row-menu').getByRole('button', { name: 'Remove', exact: true }).click();
  const panel = row(page, name).getByTestId('panel-confirm_remove');
  await expect(panel).toContainText(`${name} will leave the organization and be signed out at once.`);
  await panel.getByRole('button', { name: `Remove ${name}`, exact: true }).click();

  await expect(page.getByTestId('member-gone')).toHaveText(`${name} was removed from the organization; their seat is available.`);
  await expect(row(page, name)).toHaveCount(0);
  await expectSummary(page, 'enterprise', { purchased: 25, assigned: 20, available: 5 });
  await expectSameWindow(page);

  // Mia's next request finds her signed out.
  await mia.reload();
  await expect(mia).toHaveURL(/\/login(\?|$)/);
  await expect(mia.getByTestId('member-home')).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId('member-row')).toHaveCount(23);
  await expect(row(page, name)).toHaveCount(0);
  // The allocation and the bill do not change (R-SEAT-6).
  await signInFresh(page, email('owner', 'acme'), '/orgs/acme/settings/billing');
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText('25');
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('available')).toHaveText('5');
  await expect(page.getByTestId('invoice-row')).toHaveCount(1);
});
