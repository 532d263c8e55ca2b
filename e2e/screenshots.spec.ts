// Full-page screenshots of every page in every language, for a person to look
// at: e2e/screenshots/<lang>-<page>.png (gitignored). Taken in the sqlite
// project only (see playwright.config.ts).
//   npm run e2e:screenshots
import path from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { LANGS, T, expect, expectSoundPage, openAs, test } from './support';

async function shoot(page: Page, testInfo: TestInfo, name: string) {
  // Wait for the fonts and the stylesheet, then take the whole page.
  await page.evaluate(() => document.fonts.ready);
  const file = path.join(testInfo.project.testDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  // A page wider than the window scrolls sideways: worth a look, not a failure
  // (tables scroll inside their card by design; the page itself should not).
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  if (scroll > client) {
    const description = `${name}: the page is ${scroll}px wide in a ${client}px window`;
    testInfo.annotations.push({ type: 'layout warning', description });
    console.warn(`layout warning: ${description}`);
  }
}

test.describe('@screenshots', () => {
  for (const lang of LANGS) {
    test(`every page in ${lang}`, async ({ page, watcher, sessions }, testInfo) => {
      watcher.allowStatus(403, 422);
      await page.goto(`/login?lang=${lang}`);
      await expectSoundPage(page, lang);
      await shoot(page, testInfo, `${lang}-login`);

      // The sign-in form with its error message. An address of nobody, so that
      // no demo login gets near the limit of failed sign-ins (5 in 15 minutes).
      await page.getByLabel(T[lang].email, { exact: true }).fill(`screenshots-${lang}@acme.example`);
      await page.getByLabel(T[lang].password, { exact: true }).fill('wrong password');
      await page.getByRole('button', { name: T[lang].signIn, exact: true }).click();
      await expect(page.getByRole('alert')).toHaveText(T[lang].badCredentials);
      await shoot(page, testInfo, `${lang}-login-error`);

      await openAs(page, sessions, 'owner', 'acme', lang);
      await expectSoundPage(page, lang);
      await shoot(page, testInfo, `${lang}-organization`);

      await page.goto('/orgs/acme/settings/organization?seat=unassigned');
      await expect(page.getByTestId('member-row')).toHaveCount(3);
      await shoot(page, testInfo, `${lang}-organization-unassigned`);

      await page.goto('/orgs/acme/settings/billing');
      await expectSoundPage(page, lang);
      await shoot(page, testInfo, `${lang}-billing`);

      // Two seat types, sales-assisted, euros.
      await openAs(page, sessions, 'primary', 'maison', lang);
      await page.goto('/orgs/maison/settings/billing');
      await shoot(page, testInfo, `${lang}-billing-maison`);

      await openAs(page, sessions, 'member', 'acme', lang);
      await expectSoundPage(page, lang);
      await shoot(page, testInfo, `${lang}-member-home`);

      await page.goto('/orgs/acme/settings/organization');
      await expect(page.getByTestId('error-403')).toBeVisible();
      await expectSoundPage(page, lang);
      await shoot(page, testInfo, `${lang}-403`);
    });
  }

  test('narrow screen (phone)', async ({ page, sessions }, testInfo) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/login?lang=fr');
    await shoot(page, testInfo, 'phone-fr-login');
    await openAs(page, sessions, 'admin', 'bottega', 'fr');
    await shoot(page, testInfo, 'phone-fr-organization');
    await openAs(page, sessions, 'owner', 'bottega', 'it');
    await page.goto('/orgs/bottega/settings/billing');
    await shoot(page, testInfo, 'phone-it-billing');
  });
});
