// R-LIFE-2, R-SEAT-5, R-PLAN-4: renewal at the end of the term through the
// operator command, and a legacy plan moved early to the Enterprise seat.
// Changes data: its own fresh server (e2e/fresh.ts), tests in order.
import type { Page } from '@playwright/test';
import { demoTerm, expect, freshServer, htmxReady, longDate, signInFresh, test } from './fresh';
import { email, money, seatTypesShown, type OrgSlug } from './support';

const server = freshServer();
test.describe.configure({ mode: 'serial' });

const BILLING = (org: OrgSlug) => `/orgs/${org}/settings/billing`;
const DAY = 86_400_000;
const iso = (d: Date) => d.toISOString().slice(0, 10);

async function openBilling(page: Page, org: OrgSlug, lang: 'en' | 'it' = 'en') {
  await signInFresh(page, email('owner', org), BILLING(org), lang);
  await expect(page.getByTestId('billing')).toBeVisible();
  await htmxReady(page);
}

test('acme: an Owner schedules a reduction, the planner shows the renewal, `seatdesk renew --as-of` renews once', async ({ page }) => {
  const term = demoTerm();
  await openBilling(page, 'acme');
  const planner = page.getByTestId('renewal-planner');
  await expect(planner.getByRole('heading')).toHaveText(`At renewal on ${longDate(term.end, 'en')}`);
  await expect(planner.getByTestId('renewal-seats')).toHaveText(`Enterprise seat: 25 seats at ${money(6000, 'USD', 'en')} per seat per month`);

  // The Owner schedules 22 seats (21 in use): the planner follows.
  const section = page.getByTestId('reductions');
  await section.getByLabel('Seats from renewal (Enterprise seat)', { exact: true }).fill('22');
  await section.getByRole('button', { name: 'Schedule', exact: true }).click();
  await expect(page.getByTestId('billing-notice')).toHaveText('The reduction is scheduled for renewal.');
  await expect(planner.getByTestId('renewal-seats')).toHaveText(`Enterprise seat: 22 seats at ${money(6000, 'USD', 'en')} per seat per month`);
  const amount = money(22 * 6000 * 12, 'USD', 'en');
  const nextLast = new Date(Date.UTC(term.end.getUTCFullYear() + 1, term.end.getUTCMonth(), term.end.getUTCDate()) - DAY);
  await expect(planner.getByTestId('renewal-amount')).toHaveText(`Renewal invoice: ${amount} for the year to ${longDate(nextLast, 'en')}.`);
  await expect(planner.getByTestId('renewal-kept')).toHaveCount(0);

  // A date before today is refused; the end of the term renews, once.
  await expect(server.command('renew', '--org', 'acme', '--as-of', iso(new Date(Date.now() - 2 * DAY)))).rejects.toThrow();
  const out = await server.command('renew', '--org', 'acme', '--as-of', iso(term.end));
  expect(out).toContain(`acme: renewed ${iso(term.end)} → ${iso(nextLast)}, 22 enterprise seats, invoice ACME-00002`);
  expect(await server.command('renew', '--org', 'acme', '--as-of', iso(term.end))).toContain('no renewal due');

  await page.reload();
  await expect(page.getByTestId('plan-term')).toHaveText(`${longDate(term.end, 'en')} – ${longDate(nextLast, 'en')}`);
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText('22');
  await expect(page.getByTestId('reductions').getByTestId('reduction-pending')).toHaveCount(0);
  const terms = page.getByTestId('term-row');
  await expect(terms).toHaveCount(2);
  await expect(terms.nth(0)).toContainText('Current term');
  await expect(terms.nth(0)).toContainText('22');
  await expect(terms.nth(1)).toContainText('Renewed');
  await expect(terms.nth(1)).toContainText('ACME-00002');
  const invoice = page.getByTestId('invoice-row').filter({ hasText: 'ACME-00002' });
  await expect(invoice).toHaveCount(1);
  await expect(invoice).toContainText(amount);
  await expect(invoice).toContainText(longDate(term.end, 'en'));
});

test('bottega: `seatdesk plan migrate` leaves only Enterprise seats, every member keeps access (Italian)', async ({ page }) => {
  const out = await server.command('plan', 'migrate', '--org', 'bottega');
  expect(out).toContain('bottega now has 30 Enterprise seats (24 in use)');

  await openBilling(page, 'bottega', 'it');
  await expect(page.getByTestId('plan-model')).toHaveText('Enterprise basato su utilizzo');
  await expect(page.locator('[data-testid^="billing-seat-"]')).toHaveCount(1);
  const seat = page.getByTestId('billing-seat-enterprise');
  await expect(seat).toContainText('Posto Enterprise');
  await expect(seat.getByTestId('purchased')).toHaveText('30');
  await expect(seat.getByTestId('available')).toHaveText('6');
  await expect(page.getByTestId('renewal-legacy')).toHaveCount(0);
  await expect(page.getByTestId('renewal-seats')).toHaveText(`Posto Enterprise: 30 posti a ${money(5500, 'EUR', 'it')} per posto al mese`);

  await page.goto('/orgs/bottega/settings/organization?lang=it');
  await expect(page.locator('[data-testid^="seat-summary-"]')).toHaveCount(1);
  await expect(page.getByTestId('seat-summary-enterprise')).toContainText('Posto Enterprise');
  const shown = await seatTypesShown(page);
  expect(shown.length).toBe(25);
  expect(shown.filter((s) => s === 'Posto Enterprise').length).toBe(24);
  expect(shown.filter((s) => s === 'Non assegnato').length).toBe(1);

  // The member signs in and keeps access, on an Enterprise seat.
  await signInFresh(page, email('member', 'bottega'), '/orgs/bottega', 'it');
  await expect(page.getByTestId('member-home')).toBeVisible();
  await expect(page.getByTestId('member-seat')).toContainText('Posto Enterprise');
});
