// R-I18N-1: English, Italian and French, switched with the language switcher
// and remembered; the seeds' wording; no missing translation anywhere.
import { LANGS, T, expect, expectSoundPage, openAs, seatTypesShown, signIn, signOut, test, type Lang } from './support';

const SWITCH_TO: Lang[] = ['it', 'fr', 'en'];

test('an Owner switches language with the switcher, and the choice is remembered', async ({ page, sessions }) => {
  await openAs(page, sessions, 'owner', 'acme');
  for (const lang of SWITCH_TO) {
    const t = T[lang];
    const switcher = page.getByTestId('language-switcher');
    await switcher.getByRole('link', { name: t.language, exact: true }).click();
    await expect(page).toHaveURL(`/orgs/acme/settings/organization?lang=${lang}`);
    await expect(switcher.getByRole('link', { name: t.language, exact: true })).toHaveAttribute('aria-current', 'true');
    await expectSoundPage(page, lang);

    // Organization page: the seeds' wording.
    await expect(page.getByTestId('breadcrumb')).toHaveText(`${t.settings} › ${t.organization}`);
    const nav = page.getByTestId('settings-nav');
    await expect(nav.getByRole('link', { name: t.organization, exact: true })).toBeVisible();
    await expect(nav.getByRole('link', { name: t.billing, exact: true })).toBeVisible();
    await expect(page.getByTestId('seat-summary').getByRole('heading', { level: 2 })).toHaveText(t.seats);
    await expect(page.getByTestId('seat-summary-enterprise').getByRole('heading')).toHaveText(t.enterprise);
    const filters = page.getByTestId('member-filters');
    const seat = filters.getByLabel(t.seatType, { exact: true });
    await expect(seat).toBeVisible();
    await expect(seat.locator('option')).toHaveText([t.all, t.enterprise, t.unassigned]);
    await expect(filters.getByLabel(t.search, { exact: true })).toBeVisible();
    await expect(filters.getByLabel(t.status, { exact: true })).toBeVisible();
    await expect(page.getByTestId('members').getByRole('columnheader', { name: t.seatType, exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: t.signOut, exact: true })).toBeVisible();

    // Billing, reached through the sidebar without ?lang=: the cookie remembers.
    await nav.getByRole('link', { name: t.billing, exact: true }).click();
    await expect(page).toHaveURL('/orgs/acme/settings/billing');
    await expectSoundPage(page, lang);
    await expect(page.getByTestId('breadcrumb')).toHaveText(`${t.settings} › ${t.billing}`);
    await expect(page.getByTestId('billing-seats').getByRole('heading', { level: 2 })).toHaveText(t.seats);
    await expect(page.getByTestId('billing-seat-enterprise').getByRole('rowheader')).toHaveText(t.enterprise);
    await expect(page.getByTestId('billing-seats').getByRole('columnheader', { name: t.seatType, exact: true })).toBeVisible();
    await expect(page.getByTestId('billing-seats').locator('tfoot')).toContainText(t.totalPerYear);

    await nav.getByRole('link', { name: t.organization, exact: true }).click();
    await expect(page).toHaveURL('/orgs/acme/settings/organization');
  }
});

test('Unassigned members show the seeds’ word for it', async ({ page, sessions }) => {
  await openAs(page, sessions, 'admin', 'acme');
  for (const lang of LANGS) {
    await page.goto(`/orgs/acme/settings/organization?lang=${lang}&seat=unassigned`);
    await expect.poll(() => seatTypesShown(page)).toEqual(Array(3).fill(T[lang].unassigned));
    await expect(page.getByTestId('members-count')).toContainText('3');
  }
});

test('the language survives signing in and out', async ({ page }) => {
  await page.goto('/login');
  await page.getByTestId('language-switcher').getByRole('link', { name: 'Italiano', exact: true }).click();
  await expect(page).toHaveURL('/login?lang=it');
  await expectSoundPage(page, 'it');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Accedi a Seatdesk');
  await signIn(page, 'owner@bottega.example', { lang: 'it', onThisPage: true });
  await expect(page.getByTestId('breadcrumb')).toHaveText('Impostazioni organizzazione › Organizzazione');
  await expectSoundPage(page, 'it');
  await signOut(page, 'it');
  await expect(page.getByRole('button', { name: 'Accedi', exact: true })).toBeVisible();
});

test('with no choice made, the browser’s Accept-Language decides', async ({ openPage, sessions }) => {
  for (const [locale, lang] of [['fr-FR', 'fr'], ['it-IT', 'it'], ['de-DE', 'en']] as const) {
    const page = await openPage({ locale });
    await page.goto('/login');
    await expectSoundPage(page, lang);
    await expect(page.getByRole('button', { name: T[lang].signIn, exact: true })).toBeVisible();
    await page.context().addCookies(await sessions('member@maison.example'));
    await page.goto('/');
    await expect(page.getByTestId('member-home').getByRole('heading', { level: 1 })).toHaveText(T[lang].memberHome);
    await expectSoundPage(page, lang);
  }
});

test.describe('every page in every language', () => {
  for (const lang of LANGS) {
    test(lang, async ({ page, watcher, sessions }) => {
      watcher.allowStatus(403, 404);
      const t = T[lang];
      await page.goto(`/login?lang=${lang}`);
      await expectSoundPage(page, lang);
      await expect(page.getByLabel(t.email, { exact: true })).toBeVisible();
      await expect(page.getByLabel(t.password, { exact: true })).toBeVisible();

      await openAs(page, sessions, 'primary', 'maison', lang);
      await expectSoundPage(page, lang);
      for (const path of ['/orgs/maison/settings/organization', '/orgs/maison/settings/billing', '/orgs/maison/settings/organization?status=suspended']) {
        await page.goto(path);
        await expectSoundPage(page, lang);
      }
      // Sales-assisted (maison) has its own wording.
      await page.goto('/orgs/maison/settings/billing');
      await expect(page.getByTestId('sales-assisted-note')).toBeVisible();
      await page.goto('/orgs/acme');
      await expectSoundPage(page, lang);
      await expect(page.getByTestId('error-404').getByRole('heading')).toHaveText(t.notFoundTitle);

      await openAs(page, sessions, 'member', 'bottega', lang);
      await expect(page.getByTestId('member-home').getByRole('heading', { level: 1 })).toHaveText(t.memberHome);
      await expect(page.getByTestId('member-seat')).toContainText('Chat');
      await expectSoundPage(page, lang);
      await page.goto('/orgs/bottega/settings/billing');
      await expect(page.getByTestId('error-403').getByRole('heading')).toHaveText(t.forbiddenTitle);
      await expectSoundPage(page, lang);
    });
  }
});
