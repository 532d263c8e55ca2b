// R-SEAT-2/3/4/5, R-PLAN-3, R-LIFE-1: Billing changes data, so this file runs
// on its own fresh server (e2e/fresh.ts), its tests in order, counts carrying
// over from one test to the next (acme: 25 → 30 → 35 → 40 → 45 seats).
import type { Page } from '@playwright/test';
import { demoTerm, expect, expectSameWindow, freshServer, htmxReady, longDate, markWindow, prorate, signInFresh, test } from './fresh';
import { email, expectSoundPage, money, T, type Lang, type OrgSlug } from './support';

freshServer();
test.describe.configure({ mode: 'serial' });

const BILLING = (org: OrgSlug) => `/orgs/${org}/settings/billing`;
const CURRENCY = { acme: 'USD', bottega: 'EUR', maison: 'EUR' } as const;
const PRICES: Record<OrgSlug, Record<string, number>> = {
  acme: { enterprise: 6000 },
  bottega: { chat: 2000, chat_code: 4500 },
  maison: { standard: 2500, premium: 5000 },
};

/** The Billing page's wording (locales/*.toml). */
const W = {
  en: {
    edit: 'Add seats',
    editType: (type: string) => `Add seats: ${type}`,
    add: 'Seats to add',
    review: 'Review',
    upgrade: 'Upgrade',
    days: (remaining: number, term: number, end: string) => `${remaining} of ${term} days, until ${end}`,
    purchased: (n: string) => `Seats added. Invoice ${n} has been recorded.`,
    already: (n: string) => `These seats were already bought (invoice ${n}); nothing more was charged.`,
    line: (type: string) => `${type}: seats added, prorated`,
    months: (days: number) => `× 12 months, prorated for ${days} days`,
  },
  it: {
    edit: 'Aggiungi posti',
    editType: (type: string) => `Aggiungi posti: ${type}`,
    add: 'Posti da aggiungere',
    review: 'Rivedi',
    upgrade: 'Aggiorna',
    days: (remaining: number, term: number, end: string) => `${remaining} giorni su ${term}, fino al ${end}`,
    purchased: (n: string) => `Posti aggiunti. La fattura ${n} è stata registrata.`,
    already: (_n: string) => '',
    line: (type: string) => `${type}: posti aggiunti, ripartiti proporzionalmente`,
    months: (days: number) => `× 12 mesi, in proporzione a ${days} giorni`,
  },
  fr: {
    edit: 'Ajouter des sièges',
    editType: (type: string) => `Ajouter des sièges\u00a0: ${type}`,
    add: 'Sièges à ajouter',
    review: 'Vérifier',
    upgrade: 'Mettre à niveau',
    days: (remaining: number, term: number, end: string) => `${remaining} jours sur ${term}, jusqu'au ${end}`,
    purchased: (n: string) => `Sièges ajoutés. La facture ${n} a été enregistrée.`,
    already: (_n: string) => '',
    line: (type: string) => `${type} : sièges ajoutés, au prorata`,
    months: (days: number) => `× 12 mois, au prorata de ${days} jours`,
  },
};

async function openBilling(page: Page, org: OrgSlug, lang: Lang = 'en') {
  await signInFresh(page, email('owner', org), BILLING(org), lang);
  await expect(page).toHaveURL(new RegExp(`${BILLING(org)}(\\?|$)`));
  await expect(page.getByTestId('billing')).toBeVisible();
  await htmxReady(page);
  await markWindow(page);
}

const purchasedOf = async (page: Page, key: string) => Number(await page.getByTestId(`billing-seat-${key}`).getByTestId('purchased').innerText());

/** Every seat type's purchased count on the Billing page. */
async function purchasedAll(page: Page, org: OrgSlug) {
  const out: Record<string, number> = {};
  for (const key of Object.keys(PRICES[org])) out[key] = await purchasedOf(page, key);
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const invoiceNumber = (org: OrgSlug, n: number) => `${org.toUpperCase()}-${String(n).padStart(5, '0')}`;

type Bought = { number: string; amount: number; quote: string; purchased: number };

/**
 * The pencil, the editor, the review (checked against the formula), then
 * Upgrade (clicked once, or double-clicked): returns what was bought.
 */
async function buySeats(page: Page, org: OrgSlug, key: string, quantity: number, lang: Lang, opts: { editLabel: string; dblclick?: boolean }): Promise<Bought> {
  const w = W[lang];
  const currency = CURRENCY[org];
  const price = PRICES[org][key];
  const before = await purchasedAll(page, org);
  const invoices = page.getByTestId('invoice-row');
  const invoicesBefore = await invoices.count();
  const number = invoiceNumber(org, invoicesBefore + 1);

  await page.getByRole('button', { name: opts.editLabel, exact: true }).click();
  const editor = page.getByTestId('seat-editor');
  await editor.getByLabel(w.add, { exact: true }).fill(String(quantity));
  await editor.getByRole('button', { name: w.review, exact: true }).click();

  const review = page.getByTestId('seat-review');
  await expect(review).toBeVisible();
  await expect(review.getByTestId('review-seats')).toHaveText(`${before[key]} → ${before[key] + quantity}`);
  await expect(review.getByTestId('review-price')).toHaveText(money(price, currency, lang));
  // The formula's inputs, as shown, are the term's: today (UTC) to its end.
  const daysText = (await review.getByTestId('review-days').innerText()).trim();
  const shown = daysText.match(/^(\d+)\D+(\d+)/);
  expect(shown, daysText).not.toBeNull();
  const [remaining, termDays] = [Number(shown![1]), Number(shown![2])];
  const term = demoTerm();
  expect({ remaining, termDays }).toEqual({ remaining: term.remaining, termDays: term.termDays });
  // The review's last day of access is the Plan card's term end.
  const lastDay = longDate(new Date(term.end.getTime() - 86_400_000), lang);
  expect(daysText).toBe(w.days(term.remaining, term.termDays, lastDay));
  await expect(page.getByTestId('plan-term')).toContainText(lastDay);
  const amount = prorate(quantity, price, remaining, termDays);
  await expect(review.getByTestId('review-amount')).toHaveText(money(amount, currency, lang));
  let yearly = quantity * price * 12;
  for (const [k, n] of Object.entries(before)) yearly += n * PRICES[org][k] * 12;
  await expect(review.getByTestId('review-yearly')).toHaveText(money(yearly, currency, lang));
  const quote = await review.locator('input[name=quote]').inputValue();
  expect(quote).not.toBe('');

  const upgrade = page.getByTestId('upgrade');
  await expect(upgrade).toHaveAccessibleName(w.upgrade);
  if (opts.dblclick) await upgrade.dblclick();
  else await upgrade.click();

  // The whole #billing comes back: notice, seats and invoices agree. (A
  // second click that got through may answer "already bought" instead.)
  const notice = page.getByTestId('billing-notice');
  if (opts.dblclick) await expect(notice).toHaveText([new RegExp(`^(${escape(w.purchased(number))}|${escape(w.already(number))})$`)]);
  else await expect(notice).toHaveText(w.purchased(number));
  await expect(page.getByTestId('seat-review')).toHaveCount(0);
  await expect(page.getByTestId(`billing-seat-${key}`).getByTestId('purchased')).toHaveText(String(before[key] + quantity));
  await expect(invoices).toHaveCount(invoicesBefore + 1);
  const row = invoices.filter({ hasText: number });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole('cell').last()).toHaveText(money(amount, currency, lang));
  await expectSameWindow(page);
  return { number, amount, quote, purchased: before[key] + quantity };
}

/** The invoice page lists the prorated line. */
async function expectInvoice(page: Page, org: OrgSlug, key: string, bought: Bought, quantity: number, lang: Lang, typeLabel: string) {
  await page.goto(`${BILLING(org)}/invoices/${bought.number}`);
  const invoice = page.getByTestId('invoice');
  await expect(invoice.getByRole('heading', { level: 1 })).toContainText(bought.number);
  const lines = invoice.getByTestId('invoice-line');
  await expect(lines).toHaveCount(1);
  const term = demoTerm();
  const today = new Date(term.end.getTime() - term.remaining * 86_400_000);
  const lastDay = new Date(term.end.getTime() - 86_400_000);
  const currency = CURRENCY[org];
  await expect(lines.getByRole('cell')).toHaveText([
    W[lang].line(typeLabel),
    `${longDate(today, lang)} – ${longDate(lastDay, lang)}`,
    String(quantity),
    `${money(PRICES[org][key], currency, lang)} ${W[lang].months(term.remaining)}`,
    money(bought.amount, currency, lang),
  ]);
  await expect(invoice.getByTestId('invoice-total')).toHaveText(money(bought.amount, currency, lang));
  await expectSoundPage(page, lang);
}

for (const lang of ['en', 'it', 'fr'] as const) {
  test(`acme (${lang}): the Owner adds 5 seats with the pencil, reviews the prorated charge, clicks ${W[lang].upgrade}`, async ({ page }) => {
    await openBilling(page, 'acme', lang);
    await expect(page.getByTestId('seat-editor')).toHaveCount(0);
    const bought = await buySeats(page, 'acme', 'enterprise', 5, lang, { editLabel: W[lang].edit });
    // 25 demo seats, +5 for each language in turn.
    expect(bought.purchased).toBe({ en: 30, it: 35, fr: 40 }[lang]);
    expect(bought.number).toBe({ en: 'ACME-00002', it: 'ACME-00003', fr: 'ACME-00004' }[lang]);
    await expect(page.getByTestId('billing-seat-enterprise').getByTestId('available')).toHaveText(String(bought.purchased - 21));
    await expect(page.getByTestId('yearly-total')).toHaveText(money(bought.purchased * 6000 * 12, 'USD', lang));
    await expectSoundPage(page, lang);
    await expectInvoice(page, 'acme', 'enterprise', bought, 5, lang, T[lang].enterprise);

    // The Organization page agrees.
    await page.goto('/orgs/acme/settings/organization');
    await expect(page.getByTestId('seat-summary-enterprise').getByTestId('purchased')).toHaveText(String(bought.purchased));
    await expect(page.getByTestId('seat-summary-enterprise').getByTestId('available')).toHaveText(String(bought.purchased - 21));
  });
}

test('acme: a double click on Upgrade, and the same confirmation replayed, charge once', async ({ page }) => {
  await openBilling(page, 'acme');
  const invoicesBefore = await page.getByTestId('invoice-row').count();
  const bought = await buySeats(page, 'acme', 'enterprise', 5, 'en', { editLabel: W.en.edit, dblclick: true });
  expect(bought.purchased).toBe(45);
  expect(bought.number).toBe(invoiceNumber('acme', invoicesBefore + 1));

  // The same confirmation posted again, twice at once: the same invoice, nothing more charged.
  const replay = () =>
    page.request.post(`${BILLING('acme')}/seats/enterprise/upgrade`, {
      form: { quote: bought.quote, add: '5' },
      headers: { 'HX-Request': 'true' },
    });
  const answers = await Promise.all([replay(), replay()]);
  for (const res of answers) {
    expect(res.status()).toBe(200);
    expect(await res.text()).toContain(W.en.already(bought.number));
  }
  await page.reload();
  await expect(page.getByTestId('invoice-row')).toHaveCount(invoicesBefore + 1);
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText('45');
});

test('bottega: the Owner buys Chat + Claude Code seats (all 10 taken)', async ({ page }) => {
  await openBilling(page, 'bottega');
  const row = page.getByTestId('billing-seat-chat_code');
  await expect(row.getByTestId('available')).toHaveText('0');
  // Two seat types: each pencil names its type.
  await expect(page.getByTestId('edit-seats-chat')).toHaveAccessibleName('Add seats: Chat');
  await expect(page.getByTestId('edit-seats-chat_code')).toHaveAccessibleName('Add seats: Chat + Claude Code');
  const bought = await buySeats(page, 'bottega', 'chat_code', 3, 'en', { editLabel: 'Add seats: Chat + Claude Code' });
  expect(bought).toMatchObject({ number: 'BOTTEGA-00002', purchased: 13 });
  await expect(row.getByTestId('assigned')).toHaveText('10');
  await expect(row.getByTestId('available')).toHaveText('3');
  // The other type is untouched.
  await expect(page.getByTestId('billing-seat-chat').getByTestId('purchased')).toHaveText('20');
  await expectInvoice(page, 'bottega', 'chat_code', bought, 3, 'en', 'Chat + Claude Code');

  // In Italian the pencil says so too.
  await page.goto(`${BILLING('bottega')}?lang=it`);
  await expect(page.getByTestId('edit-seats-chat_code')).toHaveAccessibleName('Aggiungi posti: Chat + Claude Code');
  await page.goto(`${BILLING('bottega')}?lang=fr`);
  await expect(page.getByTestId('edit-seats-chat_code')).toHaveAccessibleName('Ajouter des sièges\u00a0: Chat + Claude Code');
});

test('maison (sales-assisted): "contact your account manager", no editor, no reductions form, no cancellation', async ({ page, watcher }) => {
  watcher.allowStatus(422);
  await openBilling(page, 'maison');
  await expect(page.getByTestId('sales-assisted-note')).toContainText('contact your account manager');
  await expect(page.getByTestId('billing-seat-standard').getByTestId('purchased')).toHaveText('30');
  await expect(page.getByTestId('billing-seat-premium').getByTestId('purchased')).toHaveText('10');
  await expect(page.locator('[data-testid^="edit-seats-"]')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Add seats/ })).toHaveCount(0);
  await expect(page.getByTestId('seat-editor')).toHaveCount(0);
  await expect(page.getByTestId('reductions').locator('form, input')).toHaveCount(0);
  await expect(page.getByTestId('cancel-plan')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Cancel at the end of the term' })).toHaveCount(0);

  // The server refuses the matching requests too (R-PLAN-3), with the same words.
  for (const [path, form] of [
    ['/seats/standard/review', { add: '1' }],
    ['/seats/standard/reduction', { quantity: '25' }],
    ['/cancel', {}],
  ] as const) {
    const res = await page.request.post(`${BILLING('maison')}${path}`, { form, headers: { 'HX-Request': 'true' } });
    expect(res.status(), path).toBe(422);
    expect(await res.text(), path).toContain('contact your account manager');
  }
  await page.reload();
  await expect(page.getByTestId('billing-seat-standard').getByTestId('purchased')).toHaveText('30');
  await expect(page.getByTestId('plan-cancelled')).toHaveCount(0);
  await expect(page.getByTestId('invoice-row')).toHaveCount(1);
});

test('acme: the Owner schedules a reduction for renewal, is warned below the seats in use, and cancels it', async ({ page, watcher }) => {
  watcher.allowStatus(422);
  await openBilling(page, 'acme');
  const purchased = await purchasedOf(page, 'enterprise');
  const renewal = longDate(demoTerm().end, 'en');
  const section = page.getByTestId('reductions');
  const input = section.getByLabel('Seats from renewal (Enterprise seat)', { exact: true });
  const schedule = section.getByRole('button', { name: 'Schedule', exact: true });
  await expect(section).toContainText('Self-serve plans cannot remove seats during the annual term.');

  // Below the minimum of 20: refused, nothing scheduled.
  await input.fill('19');
  await schedule.click();
  await expect(section.getByTestId('reduction-error')).toHaveText('Enterprise plans require a minimum of 20 seats in total.');
  await expect(section.getByTestId('reduction-pending')).toHaveCount(0);

  // 22 (21 seats in use): scheduled, no warning.
  await input.fill('22');
  await schedule.click();
  await expect(page.getByTestId('billing-notice')).toHaveText('The reduction is scheduled for renewal.');
  await expect(section.getByTestId('reduction-pending')).toHaveText(`Enterprise seat: ${purchased} seats now, 22 from ${renewal}.`);
  await expect(section.getByTestId('reduction-warning')).toHaveCount(0);
  // Seats stay as they are during the term.
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText(String(purchased));
  await section.getByRole('button', { name: 'Cancel the reduction', exact: true }).click();
  await expect(page.getByTestId('billing-notice')).toHaveText('The scheduled reduction is cancelled.');
  await expect(section.getByTestId('reduction-pending')).toHaveCount(0);

  // 20, below the 21 seats in use: scheduled with a warning that nobody loses a seat.
  await section.getByLabel('Seats from renewal (Enterprise seat)', { exact: true }).fill('20');
  await section.getByRole('button', { name: 'Schedule', exact: true }).click();
  await expect(section.getByTestId('reduction-pending')).toHaveText(`Enterprise seat: ${purchased} seats now, 20 from ${renewal}.`);
  await expect(section.getByTestId('reduction-warning')).toContainText('21 seats are in use today, more than 20. Nobody loses a seat at renewal');
  // Still there after a reload.
  await page.reload();
  await expect(section.getByTestId('reduction-pending')).toBeVisible();
  await section.getByRole('button', { name: 'Cancel the reduction', exact: true }).click();
  await expect(page.getByTestId('billing-notice')).toHaveText('The scheduled reduction is cancelled.');
  await expect(section.getByTestId('reduction-pending')).toHaveCount(0);
  await expect(section.getByLabel('Seats from renewal (Enterprise seat)', { exact: true })).toBeVisible();
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText(String(purchased));
});

test('acme: the Owner cancels the plan at the end of the term, then resumes it', async ({ page }) => {
  await openBilling(page, 'acme');
  const term = demoTerm();
  const lastDay = longDate(new Date(term.end.getTime() - 86_400_000), 'en');
  const cancel = page.getByTestId('cancel-plan');
  await cancel.getByText('Cancel the plan', { exact: true }).click();
  await expect(cancel).toContainText(`your organization keeps access until ${lastDay}`);
  await cancel.getByRole('button', { name: 'Cancel at the end of the term', exact: true }).click();

  const cancelled = page.getByTestId('plan-cancelled');
  await expect(cancelled).toContainText(`access continues until ${lastDay}`);
  await expect(page.getByTestId('billing-notice')).toHaveText(`The plan will be cancelled at the end of the term; access continues until ${lastDay}.`);
  await expect(page.getByTestId('cancel-plan')).toHaveCount(0);
  await expect(page.getByTestId('plan')).toContainText('Access ends after');
  await expectSameWindow(page);
  // Still cancelled after a reload; members keep access meanwhile.
  await page.reload();
  await expect(cancelled).toBeVisible();

  await cancelled.getByRole('button', { name: 'Resume the plan', exact: true }).click();
  await expect(page.getByTestId('billing-notice')).toHaveText('The plan is resumed and will renew.');
  await expect(page.getByTestId('plan-cancelled')).toHaveCount(0);
  await expect(page.getByTestId('cancel-plan')).toBeVisible();
  await expect(page.getByTestId('plan')).toContainText('Renews on');
  await expectSoundPage(page, 'en');
});
