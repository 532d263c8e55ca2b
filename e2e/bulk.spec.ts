// Bulk work on the Organization page (issue 11): an Owner selects three
// members and moves them to a seat type without free seats, reads the
// prorated charge, buys and applies in one step (htmx: the table and the seat
// summary follow, the result is announced); an Admin uploads a CSV of
// invitations with one bad row and reads the report, in French; the same
// bulk change works without JavaScript (review page, then result page).
// This file changes data, so it runs on its own fresh server (e2e/fresh.ts),
// its tests in order.
import { demoTerm, expect, expectSameWindow, freshServer, htmxReady, markWindow, prorate, signInFresh, test } from './fresh';
import { email, expectSoundPage, money, seatNumbers } from './support';

freshServer();
test.describe.configure({ mode: 'serial' });

const term = demoTerm();

test('en: an Owner moves 3 members to a type without free seats, sees the charge, buys and applies in one step', async ({ page }) => {
  const path = '/orgs/bottega/settings/organization';
  await signInFresh(page, email('owner', 'bottega'), path, 'en');
  await htmxReady(page);
  await markWindow(page);
  expect(await seatNumbers(page, 'seat-summary-chat_code')).toEqual({ purchased: '10', assigned: '10', available: '0' });

  // Only the Chat members: the bar follows the filter.
  await page.getByRole('combobox', { name: 'Seat type', exact: true }).selectOption({ label: 'Chat' });
  await expect(page.getByTestId('members-count')).toHaveText('Showing 1–14 of 14 members');
  const rows = page.getByTestId('member-row');
  const names: string[] = [];
  for (const i of [1, 2, 3]) {
    const row = rows.nth(i);
    const name = (await row.getByTestId('member-name').innerText()).trim();
    names.push(name);
    await row.getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
  }
  const bar = page.getByTestId('bulk-bar');
  await expect(bar.getByText('3 selected', { exact: true })).toBeVisible();
  await bar.getByRole('combobox', { name: 'Action', exact: true }).selectOption({ label: 'Chat + Claude Code' });
  await bar.getByRole('button', { name: 'Review', exact: true }).click();

  const review = page.getByTestId('bulk-review-panel');
  await expect(review.getByRole('heading', { name: 'Move 3 selected members to Chat + Claude Code' })).toBeFocused();
  await expect(review.getByTestId('bulk-what')).toHaveText('3 members will move to Chat + Claude Code.');
  await expect(review.getByTestId('bulk-rows').getByTestId('bulk-row')).toHaveText(names.map((n) => new RegExp(`^${n}`)));
  const shortfall = review.getByTestId('bulk-shortfall');
  await expect(shortfall).toContainText('3 seats of type Chat + Claude Code are missing');
  const amount = money(prorate(3, 4500, term.remaining, term.termDays), 'EUR', 'en');
  await expect(shortfall.getByTestId('review-seats')).toHaveText('10 → 13');
  await expect(shortfall.getByTestId('review-amount')).toHaveText(amount);
  await expect(shortfall.getByTestId('review-days')).toContainText(`${term.remaining} of ${term.termDays} days`);
  // Nothing changed yet.
  expect(await seatNumbers(page, 'seat-summary-chat_code')).toEqual({ purchased: '10', assigned: '10', available: '0' });

  await review.getByRole('button', { name: `Buy 3 seats (Chat + Claude Code) for ${amount} and apply`, exact: true }).click();
  const done = page.getByTestId('bulk-done');
  await expect(done).toHaveText('3 members moved to Chat + Claude Code. Bought 3 seats (Chat + Claude Code, invoice BOTTEGA-00002).');
  await expect(done).toHaveAttribute('role', 'status');
  await expect(done).toBeFocused();
  // The table (still filtered on Chat) and the seat cards follow, without a reload.
  await expect(page.getByTestId('members-count')).toHaveText('Showing 1–11 of 11 members');
  for (const name of names) await expect(page.getByTestId('member-name').filter({ hasText: name })).toHaveCount(0);
  expect(await seatNumbers(page, 'seat-summary-chat_code')).toEqual({ purchased: '13', assigned: '13', available: '0' });
  expect(await seatNumbers(page, 'seat-summary-chat')).toEqual({ purchased: '20', assigned: '11', available: '9' });
  await expectSameWindow(page);

  // Billing shows the one invoice (in its list and its seat ledger), charged once.
  await page.goto('/orgs/bottega/settings/billing');
  await expect(page.getByText('BOTTEGA-00002', { exact: true }).first()).toBeVisible();
  await expect(page.getByText('BOTTEGA-00003', { exact: true })).toHaveCount(0);
});

test('fr: an Admin uploads a CSV of invitations with one bad row and reads the report', async ({ page }) => {
  const path = '/orgs/acme/settings/organization';
  await signInFresh(page, email('admin', 'acme'), path, 'fr');
  await htmxReady(page);
  await markWindow(page);
  await page.getByRole('button', { name: 'Inviter plusieurs personnes', exact: true }).click();
  const form = page.getByTestId('bulk-invite-form');
  await expect(form.getByRole('heading', { name: 'Inviter plusieurs personnes' })).toBeFocused();
  await expect(form.getByTestId('bulk-csv-example')).toContainText('e-mail,rôle,type de siège');
  const csv = ['e-mail;rôle;type de siège', 'lina.neuve@example.com;Membre;Siège Enterprise', 'pas-une-adresse;Membre;', 'remi.neuf@example.com;;Non assigné', ''].join('\n');
  await form.getByLabel('Ou un fichier CSV', { exact: true }).setInputFiles({ name: 'invitations.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await form.getByRole('button', { name: 'Envoyer les invitations', exact: true }).click();

  const report = page.getByTestId('bulk-invite-report');
  await expect(report.getByRole('heading', { name: 'Invitations : le compte rendu' })).toBeFocused();
  await expect(report.getByTestId('bulk-invite-summary')).toHaveText('2 invitations envoyées. 1 ligne non envoyée : voir pourquoi ci-dessous.');
  const lines = report.getByTestId('bulk-invite-row');
  await expect(lines).toHaveCount(3);
  await expect(lines.nth(0).getByRole('cell')).toHaveText(['2', 'Membre', 'Siège Enterprise', 'Envoyée']);
  await expect(lines.nth(1).getByRole('cell')).toHaveText([
    '3',
    'Membre',
    'Siège Enterprise',
    "Non envoyée : « pas-une-adresse » n'est pas une adresse e-mail valide. Saisissez une seule adresse, comme nom@exemple.fr.",
  ]);
  await expect(lines.nth(1).getByRole('rowheader')).toHaveText('pas-une-adresse');
  await expect(lines.nth(2).getByRole('cell')).toHaveText(['4', 'Membre', 'Non assigné', 'Envoyée']);
  // The invitations are pending, one holding a seat.
  const pending = page.getByTestId('invitation-row');
  await expect(pending.filter({ hasText: 'lina.neuve@example.com' })).toHaveCount(1);
  await expect(pending.filter({ hasText: 'remi.neuf@example.com' })).toHaveCount(1);
  await expect(page.getByTestId('seat-summary-enterprise').getByTestId('reserved')).toHaveText('1');
  await expectSameWindow(page);
  await expectSoundPage(page, 'fr');
});

test('en, without JavaScript: an Admin sets 2 members Unassigned through the review page', async ({ openPage, baseURL }) => {
  const page = await openPage({ javaScriptEnabled: false, baseURL }); // this file's server, not the shared one
  const path = '/orgs/acme/settings/organization';
  await signInFresh(page, email('admin', 'acme'), path, 'en');
  await expect(page.getByTestId('bulk-select-page')).toBeHidden(); // needs JavaScript; "All … on this page" does it without
  const rows = page.getByTestId('member-row');
  const names = [];
  for (const i of [4, 5]) {
    const name = (await rows.nth(i).getByTestId('member-name').innerText()).trim();
    names.push(name);
    await rows.nth(i).getByRole('checkbox', { name: `Select ${name}`, exact: true }).check();
  }
  const bar = page.getByTestId('bulk-bar');
  await bar.getByRole('combobox', { name: 'Action', exact: true }).selectOption({ label: 'Unassigned' });
  await bar.getByRole('button', { name: 'Review', exact: true }).click();
  await expect(page).toHaveURL(/\/bulk\/review$/);
  const review = page.getByTestId('bulk-review-panel');
  await expect(review.getByRole('heading', { level: 3 })).toHaveText('Set 2 selected members to Unassigned');
  await expect(review.getByTestId('bulk-loss')).toHaveText(
    '2 of them will lose access to Claude until a seat is assigned again, and stay in the organization.',
  );
  await review.getByRole('button', { name: 'Set 2 members to Unassigned', exact: true }).click();
  await expect(page).toHaveURL(/\/bulk\/apply$/);
  await expect(page.getByTestId('bulk-done')).toHaveText('2 members set to Unassigned.');
  await page.getByTestId('bulk-back').click();
  for (const name of names) {
    const row = page.getByTestId('member-row').filter({ hasText: name });
    await expect(row.getByRole('combobox', { name: `Seat type for ${name}`, exact: true })).toHaveValue('');
  }
});
