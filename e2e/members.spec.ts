// R-INV-1: the members table's search and filters, through htmx (only the
// table is swapped, the address bar follows) and without JavaScript.
import type { Page } from '@playwright/test';
import { MEMBERS, T, email, expect, expectSoundPage, openAs, seatTypesShown, signIn, signInAs, test, type OrgSlug } from './support';

const ORG_PAGE = (org: OrgSlug) => `/orgs/${org}/settings/organization`;

const rows = (page: Page) => page.getByTestId('member-row');
const names = (page: Page) => rows(page).getByTestId('member-name').allInnerTexts();

/** Marks the window: a full page load loses the mark, an htmx swap keeps it. */
async function markWindow(page: Page) {
  await page.evaluate(() => ((window as unknown as { __e2eMark: string }).__e2eMark = 'still here'));
}
async function expectSameWindow(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __e2eMark?: string }).__e2eMark), 'the page was fully reloaded').toBe('still here');
}

/**
 * Runs action and waits for htmx's request of the members fragment whose query
 * has these values (absent = empty): the table is swapped when it answers.
 */
async function swapTable(page: Page, org: OrgSlug, query: Record<string, string>, action: () => Promise<unknown>) {
  const fragment = page.waitForResponse((res) => {
    const url = new URL(res.url());
    return (
      url.pathname === `${ORG_PAGE(org)}/members` &&
      res.request().headers()['hx-request'] === 'true' &&
      Object.entries(query).every(([k, v]) => (url.searchParams.get(k) ?? '') === v)
    );
  });
  await action();
  const res = await fragment;
  expect(res.status()).toBe(200);
  // The fragment is the table alone, not a page.
  const body = await res.text();
  expect(body).toContain('data-testid="members"');
  expect(body).not.toContain('<html');
  return res;
}

test.describe('with htmx', () => {
  test.beforeEach(async ({ page, sessions }) => {
    await openAs(page, sessions, 'admin', 'acme');
    await expect(rows(page)).toHaveCount(MEMBERS.acme.total);
    await expect(page.getByTestId('members-count')).toHaveText('Showing 1–24 of 24 members');
    // 24 members: one page, no pagination.
    await expect(page.getByTestId('pagination')).toHaveCount(0);
    await page.waitForFunction(() => typeof (window as unknown as { htmx?: unknown }).htmx === 'object');
    await markWindow(page);
  });

  test('typing in Search filters the table as one types, and pushes the URL', async ({ page }) => {
    const search = page.getByTestId('member-filters').getByLabel('Search', { exact: true });
    await swapTable(page, 'acme', { q: 'olive' }, () => search.pressSequentially('olive'));
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?q=olive`);
    await expect(rows(page)).toHaveCount(1);
    expect(await names(page)).toEqual(['Olive Owner']);
    await expect(page.getByTestId('members-count')).toHaveText('Showing 1–1 of 1 member');
    // The rest of the page is the same document.
    await expect(page.getByTestId('seat-summary-enterprise').getByTestId('assigned')).toHaveText('21');
    await expect(search).toHaveValue('olive');
    await expect(search).toBeFocused();
    await expectSameWindow(page);
    await expectSoundPage(page, 'en');
  });

  test('search by email, case-insensitive, submitted with Enter or the Filter button', async ({ page }) => {
    const filters = page.getByTestId('member-filters');
    const search = filters.getByLabel('Search', { exact: true });
    await search.fill('GIULIA.ROSSI1@acme');
    await swapTable(page, 'acme', { q: 'GIULIA.ROSSI1@acme' }, () => search.press('Enter'));
    await expect(page).toHaveURL(/\?q=GIULIA\.ROSSI1%40acme$/);
    expect(await names(page)).toEqual(['Giulia Rossi']);
    await expect(rows(page).getByTestId('member-email')).toHaveText('giulia.rossi1@acme.example');

    await search.fill('lefèvre');
    await swapTable(page, 'acme', { q: 'lefèvre' }, () => filters.getByRole('button', { name: 'Filter', exact: true }).click());
    await expect(page).toHaveURL(/\?q=lef%C3%A8vre$/);
    expect(await names(page)).toEqual(['Hugo Lefèvre']);
    await expectSameWindow(page);
  });

  test('a search that matches nobody says so; % and _ are not wildcards', async ({ page }) => {
    const search = page.getByTestId('member-filters').getByLabel('Search', { exact: true });
    for (const q of ['nobody-like-this', '%', '_']) {
      await swapTable(page, 'acme', { q }, () => search.fill(q));
      await expect(rows(page)).toHaveCount(0);
      await expect(page.getByTestId('members-count')).toHaveText(T.en.noMembers);
    }
    await expectSameWindow(page);
  });

  test('filter by seat type: Unassigned gives the 3 members without a seat', async ({ page }) => {
    const seat = page.getByTestId('member-filters').getByLabel('Seat type', { exact: true });
    await swapTable(page, 'acme', { seat: 'unassigned' }, () => seat.selectOption({ label: 'Unassigned' }));
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?seat=unassigned`);
    await expect(rows(page)).toHaveCount(3);
    expect(await names(page)).toEqual(['Lucas Garnier', 'Anna Bruno', 'Tom Faure']);
    await expect.poll(() => seatTypesShown(page)).toEqual(['Unassigned', 'Unassigned', 'Unassigned']);

    await swapTable(page, 'acme', { seat: 'enterprise' }, () => seat.selectOption({ label: 'Enterprise seat' }));
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?seat=enterprise`);
    await expect(rows(page)).toHaveCount(21);
    await expect.poll(() => seatTypesShown(page)).toEqual(Array(21).fill('Enterprise seat'));

    await swapTable(page, 'acme', { seat: '' }, () => seat.selectOption({ label: 'All' }));
    await expect(page).toHaveURL(ORG_PAGE('acme'));
    await expect(rows(page)).toHaveCount(24);
    await expectSameWindow(page);
  });

  test('filter by status, and filters combine with the search', async ({ page }) => {
    const filters = page.getByTestId('member-filters');
    const status = filters.getByLabel('Status', { exact: true });
    await swapTable(page, 'acme', { status: 'pending' }, () => status.selectOption({ label: 'Waiting for a seat' }));
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?status=pending`);
    await expect(rows(page)).toHaveCount(0);
    await expect(page.getByTestId('members-count')).toHaveText(T.en.noMembers);

    await swapTable(page, 'acme', { status: 'active' }, () => status.selectOption({ label: 'Active' }));
    await expect(rows(page)).toHaveCount(24);

    await swapTable(page, 'acme', { seat: 'unassigned', status: 'active' }, () =>
      filters.getByLabel('Seat type', { exact: true }).selectOption('unassigned'),
    );
    await expect(rows(page)).toHaveCount(3);
    await swapTable(page, 'acme', { q: 'anna', seat: 'unassigned', status: 'active' }, () =>
      filters.getByLabel('Search', { exact: true }).fill('anna'),
    );
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?q=anna&seat=unassigned&status=active`);
    expect(await names(page)).toEqual(['Anna Bruno']);
    await expectSameWindow(page);
  });

  test('Back and Forward step through the filters', async ({ page }) => {
    const seat = page.getByTestId('member-filters').getByLabel('Seat type', { exact: true });
    await swapTable(page, 'acme', { seat: 'unassigned' }, () => seat.selectOption('unassigned'));
    await expect(rows(page)).toHaveCount(3);
    await swapTable(page, 'acme', { seat: 'enterprise' }, () => seat.selectOption('enterprise'));
    await expect(rows(page)).toHaveCount(21);
    await page.goBack();
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?seat=unassigned`);
    await expect(rows(page)).toHaveCount(3);
    await page.goBack();
    await expect(page).toHaveURL(ORG_PAGE('acme'));
    await expect(rows(page)).toHaveCount(24);
    await page.goForward();
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?seat=unassigned`);
    await expect(rows(page)).toHaveCount(3);
  });
});

test.describe('filters per organization', () => {
  const cases: [OrgSlug, string, string, number][] = [
    ['bottega', 'chat', 'Chat', 14],
    ['bottega', 'chat_code', 'Chat + Claude Code', 10],
    ['bottega', 'unassigned', 'Unassigned', 1],
    ['maison', 'standard', 'Standard', 22],
    ['maison', 'premium', 'Premium', 8],
    ['maison', 'unassigned', 'Unassigned', 2],
  ];
  for (const org of ['bottega', 'maison'] as const) {
    test(org, async ({ page, sessions }) => {
      await openAs(page, sessions, 'owner', org);
      await expect(rows(page)).toHaveCount(MEMBERS[org].total);
      for (const [o, key, label, count] of cases) {
        if (o !== org) continue;
        const select = page.getByTestId('member-filters').getByLabel('Seat type', { exact: true });
        await swapTable(page, org, { seat: key }, () => select.selectOption({ label }));
        await expect(page).toHaveURL(`${ORG_PAGE(org)}?seat=${key}`);
        await expect(rows(page)).toHaveCount(count);
        await expect.poll(() => seatTypesShown(page)).toEqual(Array(count).fill(label));
      }
    });
  }
});

test('a filtered URL opened directly shows the filtered table and the chosen filters', async ({ page, sessions }) => {
  await openAs(page, sessions, 'primary', 'acme');
  await page.goto(`${ORG_PAGE('acme')}?seat=unassigned&status=active&q=o`);
  const filters = page.getByTestId('member-filters');
  await expect(filters.getByLabel('Seat type', { exact: true })).toHaveValue('unassigned');
  await expect(filters.getByLabel('Status', { exact: true })).toHaveValue('active');
  await expect(filters.getByLabel('Search', { exact: true })).toHaveValue('o');
  expect(await names(page)).toEqual(['Anna Bruno', 'Tom Faure']);
});

test('bad filters in the URL get a clear message, not an error page', async ({ page, watcher, sessions }) => {
  watcher.allowStatus(422);
  await openAs(page, sessions, 'admin', 'acme');
  const cases: [string, string][] = [
    ['seat=nonsense', 'That seat type does not exist on your plan.'],
    ['status=nonsense', 'That status does not exist.'],
    ['page=0', 'The page number must be a whole number of at least 1.'],
    ['page=abc', 'The page number must be a whole number of at least 1.'],
    [`q=${'x'.repeat(201)}`, 'The search can be at most 200 characters long.'],
  ];
  for (const [query, message] of cases) {
    const res = await page.goto(`${ORG_PAGE('acme')}?${query}`);
    expect(res?.status(), query).toBe(422);
    await expect(page.getByTestId('members-error')).toHaveText(message);
    await expect(rows(page)).toHaveCount(0);
    // The rest of the page is still there.
    await expect(page.getByTestId('seat-summary-enterprise').getByTestId('purchased')).toHaveText('25');
    await expectSoundPage(page, 'en');
  }
});

test.describe('without JavaScript', () => {
  test('the search form works as a plain GET form', async ({ openPage }) => {
    const page = await openPage({ javaScriptEnabled: false, locale: 'en-US' });
    await page.goto('/login');
    await signIn(page, email('admin', 'acme'), { onThisPage: true });
    await expect(page).toHaveURL(ORG_PAGE('acme'));
    expect(await page.evaluate(() => typeof (window as unknown as { htmx?: unknown }).htmx)).toBe('undefined');
    await expect(rows(page)).toHaveCount(24);

    const filters = page.getByTestId('member-filters');
    await filters.getByLabel('Search', { exact: true }).fill('adam');
    await filters.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?q=adam&seat=&status=&sort=added`);
    expect(await names(page)).toEqual(['Adam Admin']);
    // A full page came back, with the whole layout.
    await expect(page.getByTestId('settings-nav')).toBeVisible();

    await filters.getByLabel('Search', { exact: true }).fill('');
    await filters.getByLabel('Seat type', { exact: true }).selectOption({ label: 'Unassigned' });
    await filters.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(page).toHaveURL(`${ORG_PAGE('acme')}?q=&seat=unassigned&status=&sort=added`);
    await expect(rows(page)).toHaveCount(3);
    await expect(filters.getByLabel('Seat type', { exact: true })).toHaveValue('unassigned');
    // Sort by name, Z to A: the same form; the export link follows.
    await filters.getByLabel('Sort by', { exact: true }).selectOption({ label: 'Name, Z to A' });
    await filters.getByRole('button', { name: 'Filter', exact: true }).click();
    const sorted = await names(page);
    expect(sorted).toEqual([...sorted].sort().reverse());
    await expect(page.getByTestId('members-export')).toHaveAttribute('href', /members\.csv\?seat=unassigned&sort=-name$/);
    await filters.getByLabel('Sort by', { exact: true }).selectOption({ label: 'Date added, oldest first' });

    await filters.getByLabel('Seat type', { exact: true }).selectOption({ label: 'All' });
    await filters.getByLabel('Status', { exact: true }).selectOption({ label: 'Waiting for a seat' });
    await filters.getByRole('button', { name: 'Filter', exact: true }).click();
    await expect(page.getByTestId('members-count')).toHaveText(T.en.noMembers);
    expect(await page.locator('body').innerText()).not.toContain('⟦');
  });

  test('signing in, switching language and signing out work too', async ({ openPage }) => {
    const page = await openPage({ javaScriptEnabled: false, locale: 'en-US' });
    await signInAs(page, 'owner', 'maison');
    await page.getByTestId('language-switcher').getByRole('link', { name: 'Français' }).click();
    await expect(page.getByTestId('breadcrumb')).toHaveText("Paramètres de l'organisation › Organisation");
    await page.getByTestId('member-filters').getByLabel('Type de siège', { exact: true }).selectOption({ label: 'Non assigné' });
    await page.getByRole('button', { name: 'Filtrer', exact: true }).click();
    await expect(rows(page)).toHaveCount(2);
    await expect.poll(() => seatTypesShown(page)).toEqual(['Non assigné', 'Non assigné']);
    await page.getByRole('button', { name: 'Se déconnecter', exact: true }).click();
    await expect(page).toHaveURL('/login');
  });
});
