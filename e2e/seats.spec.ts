// R-SEAT-1 and R-PLAN-1: the seat numbers on the Organization page, and seats,
// prices, yearly total, plan facts and invoices on the Billing page.
import { LANGS, ORGS, SEATS, T, expect, expectSoundPage, money, openAs, seatNumbers, test, type Lang, type OrgSlug } from './support';

const CURRENCY: Record<OrgSlug, 'USD' | 'EUR'> = { acme: 'USD', bottega: 'EUR', maison: 'EUR' };
const SEAT_LABEL: Record<string, string> = {
  enterprise: 'Enterprise seat', chat: 'Chat', chat_code: 'Chat + Claude Code', standard: 'Standard', premium: 'Premium',
};

const yearlyMinor = (org: OrgSlug) => SEATS[org].reduce((sum, s) => sum + s.purchased * s.priceMinor * 12, 0);

test.describe('the seat summary on the Organization page', () => {
  for (const org of ORGS) {
    test(org, async ({ page, sessions }) => {
      await openAs(page, sessions, 'admin', org);
      const cards = page.getByTestId('seat-summary').locator('[data-testid^="seat-summary-"]');
      await expect(cards).toHaveCount(SEATS[org].length);
      for (const s of SEATS[org]) {
        const card = page.getByTestId(`seat-summary-${s.key}`);
        await expect(card.getByRole('heading')).toHaveText(SEAT_LABEL[s.key]);
        expect(await seatNumbers(page, `seat-summary-${s.key}`)).toEqual({
          purchased: String(s.purchased), assigned: String(s.assigned), available: String(s.available),
        });
        expect(s.purchased - s.assigned).toBe(s.available);
      }
      await expectSoundPage(page, 'en');
    });
  }
});

test('acme: 25 purchased, 21 assigned, 4 available, in every language', async ({ page, sessions }) => {
  await openAs(page, sessions, 'owner', 'acme');
  for (const lang of LANGS) {
    await page.goto(`/orgs/acme/settings/organization?lang=${lang}`);
    const card = page.getByTestId('seat-summary-enterprise');
    await expect(card.getByRole('heading')).toHaveText(T[lang].enterprise);
    await expect(card).toContainText(T[lang].purchased);
    expect(await seatNumbers(page, 'seat-summary-enterprise')).toEqual({ purchased: '25', assigned: '21', available: '4' });
  }
});

test.describe('Billing shows seats, prices and the yearly total', () => {
  for (const org of ORGS) {
    for (const role of ['primary', 'owner'] as const) {
      test(`${role}@${org}`, async ({ page, sessions }) => {
        await openAs(page, sessions, role, org);
        await page.getByTestId('settings-nav').getByRole('link', { name: 'Billing', exact: true }).click();
        await expect(page).toHaveURL(`/orgs/${org}/settings/billing`);
        const rows = page.getByTestId('billing-seats').locator('tbody tr');
        await expect(rows).toHaveCount(SEATS[org].length);
        const cur = CURRENCY[org];
        for (const s of SEATS[org]) {
          const row = page.getByTestId(`billing-seat-${s.key}`);
          await expect(row.getByRole('rowheader')).toHaveText(SEAT_LABEL[s.key]);
          expect(await seatNumbers(page, `billing-seat-${s.key}`)).toEqual({
            purchased: String(s.purchased), assigned: String(s.assigned), available: String(s.available),
          });
          await expect(row.getByTestId('price')).toHaveText(money(s.priceMinor, cur, 'en'));
          await expect(row.getByTestId('year')).toHaveText(money(s.purchased * s.priceMinor * 12, cur, 'en'));
        }
        await expect(page.getByTestId('yearly-total')).toHaveText(money(yearlyMinor(org), cur, 'en'));
        // The demo's one invoice is the year's subscription.
        const invoices = page.getByTestId('invoice-row');
        await expect(invoices).toHaveCount(1);
        await expect(invoices.getByRole('rowheader')).toHaveText(`${org.toUpperCase()}-00001`);
        await expect(invoices.locator('td.num')).toHaveText(money(yearlyMinor(org), cur, 'en'));
        // R-PLAN-3: sales-assisted plans say whom to contact.
        const note = page.getByTestId('sales-assisted-note');
        if (org === 'maison') {
          await expect(page.getByTestId('plan-management')).toHaveText('Sales-assisted');
          await expect(note).toContainText('contact your account manager');
        } else {
          await expect(page.getByTestId('plan-management')).toHaveText('Self-serve');
          await expect(note).toHaveCount(0);
        }
        await expectSoundPage(page, 'en');
      });
    }
  }
});

test('acme: 25 × $60.00 × 12 = $18,000.00 per year', async ({ page, sessions }) => {
  await openAs(page, sessions, 'primary', 'acme');
  await page.goto('/orgs/acme/settings/billing');
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('price')).toHaveText('$60.00');
  await expect(page.getByTestId('yearly-total')).toHaveText('$18,000.00');
  await expect(page.getByTestId('billing-seats').locator('tfoot')).toContainText('Total per year');
});

// What Seatdesk renders: bojanz/currency (CLDR 48 data), except that Italian,
// whose CLDR symbol for US dollars is a bare "$", shows "USD" like ICU does.
const ACME_TOTAL: Record<Lang, string> = { en: '$18,000.00', it: '18.000,00\u00a0USD', fr: '18\u202f000,00\u00a0$US' };
const BOTTEGA_TOTAL: Record<Lang, string> = { en: '€10,200.00', it: '10.200,00\u00a0€', fr: '10\u202f200,00\u00a0€' };

test('money is formatted for the locale', async ({ page, sessions }) => {
  await openAs(page, sessions, 'owner', 'acme');
  for (const lang of LANGS) {
    await page.goto(`/orgs/acme/settings/billing?lang=${lang}`);
    await expect(page.getByTestId('yearly-total')).toHaveText(ACME_TOTAL[lang]);
    expect(money(1_800_000, 'USD', lang)).toBe(ACME_TOTAL[lang]);
    await expect(page.getByTestId('billing-seat-enterprise').getByTestId('price')).toHaveText(money(6000, 'USD', lang));
    await expectSoundPage(page, lang);
  }
  await openAs(page, sessions, 'primary', 'bottega');
  for (const lang of LANGS) {
    await page.goto(`/orgs/bottega/settings/billing?lang=${lang}`);
    await expect(page.getByTestId('yearly-total')).toHaveText(BOTTEGA_TOTAL[lang]);
    expect(money(1_020_000, 'EUR', lang)).toBe(BOTTEGA_TOTAL[lang]);
    await expect(page.getByTestId('billing-seat-chat_code').getByTestId('year')).toHaveText(money(540_000, 'EUR', lang));
  }
});

// The demo's term starts 100 days before today (UTC) and lasts one year.
function demoTerm() {
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const start = new Date(today - 100 * 86_400_000);
  const end = new Date(Date.UTC(start.getUTCFullYear() + 1, start.getUTCMonth(), start.getUTCDate()));
  const last = new Date(end.getTime() - 86_400_000);
  return { start, end, last };
}

const MONTHS: Record<Lang, string[]> = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
};
const longDate = (d: Date, lang: Lang) => {
  const month = MONTHS[lang][d.getUTCMonth()];
  return lang === 'en' ? `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}` : `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
};

test('the plan facts give the term and renewal dates in the locale', async ({ page, sessions }) => {
  const { start, end, last } = demoTerm();
  await openAs(page, sessions, 'owner', 'maison');
  for (const lang of LANGS) {
    await page.goto(`/orgs/maison/settings/billing?lang=${lang}`);
    await expect(page.getByTestId('plan-term')).toHaveText(`${longDate(start, lang)} – ${longDate(last, lang)}`);
    await expect(page.getByTestId('plan-renewal')).toHaveText(longDate(end, lang));
    await expect(page.getByTestId('invoice-row').locator('time')).toHaveText(longDate(start, lang));
  }
});
