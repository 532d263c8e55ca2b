// R-PERM: the server refuses what a role may not see, with a page that says
// which role is needed, in the user's language; other organizations do not exist.
import { LANGS, ORGS, T, expect, expectSoundPage, openAs, test, type Lang, type OrgSlug, type Role } from './support';

const forbiddenBody = (lang: Lang, need: Role, current: Role) =>
  ({
    en: `This page is for the ${T.en.roles[need]} role and above. Your role: ${T.en.roles[current]}.`,
    it: `Questa pagina è riservata al ruolo ${T.it.roles[need]} e superiori. Il tuo ruolo: ${T.it.roles[current]}.`,
    fr: `Cette page est réservée au rôle ${T.fr.roles[need]} et supérieurs. Votre rôle : ${T.fr.roles[current]}.`,
  })[lang];

async function expectForbidden(page: import('@playwright/test').Page, url: string, lang: Lang, need: Role, current: Role) {
  const res = await page.goto(url);
  expect(res?.status(), url).toBe(403);
  const box = page.getByTestId('error-403');
  await expect(box.getByRole('heading')).toHaveText(T[lang].forbiddenTitle);
  await expect(box.getByRole('alert')).toHaveText(forbiddenBody(lang, need, current));
  await expectSoundPage(page, lang);
}

test.describe('an Admin opening Billing gets 403 naming Owner', () => {
  for (const org of ORGS) {
    test(`admin@${org}`, async ({ page, watcher, sessions }) => {
      watcher.allowStatus(403);
      await openAs(page, sessions, 'admin', org);
      await expectForbidden(page, `/orgs/${org}/settings/billing`, 'en', 'owner', 'admin');
      // The Admin keeps their navigation, without Billing.
      const nav = page.getByTestId('settings-nav');
      await expect(nav.getByRole('link', { name: 'Organization', exact: true })).toBeVisible();
      await expect(nav.getByRole('link', { name: 'Billing', exact: true })).toHaveCount(0);
      await expect(page.locator('main')).not.toContainText('Total per year');
    });
  }
});

test.describe('a Member opening settings gets 403 naming the role needed', () => {
  for (const org of ORGS) {
    test(`member@${org}`, async ({ page, watcher, sessions }) => {
      watcher.allowStatus(403);
      await openAs(page, sessions, 'member', org);
      await expectForbidden(page, `/orgs/${org}/settings/organization`, 'en', 'admin', 'member');
      await expect(page.getByTestId('settings-nav')).toHaveCount(0);
      await expect(page.getByTestId('members')).toHaveCount(0);
      await expectForbidden(page, `/orgs/${org}/settings/billing`, 'en', 'owner', 'member');
      // The htmx fragment of the members table is refused the same way.
      const res = await page.request.get(`/orgs/${org}/settings/organization/members?q=a`, { headers: { 'HX-Request': 'true' } });
      expect(res.status()).toBe(403);
      expect(await res.text()).not.toContain('data-testid="member-row"');
    });
  }
});

test('the 403 page speaks the user’s language', async ({ page, watcher, sessions }) => {
  watcher.allowStatus(403);
  await openAs(page, sessions, 'admin', 'acme');
  for (const lang of LANGS) {
    await expectForbidden(page, `/orgs/acme/settings/billing?lang=${lang}`, lang, 'owner', 'admin');
  }
  await openAs(page, sessions, 'member', 'bottega');
  for (const lang of LANGS) {
    await expectForbidden(page, `/orgs/bottega/settings/organization?lang=${lang}`, lang, 'admin', 'member');
  }
});

test.describe("another organization's pages do not exist (404)", () => {
  const others: [Role, OrgSlug, OrgSlug][] = [
    ['primary', 'acme', 'bottega'],
    ['owner', 'bottega', 'maison'],
    ['admin', 'maison', 'acme'],
    ['member', 'acme', 'maison'],
  ];
  for (const [role, own, other] of others) {
    test(`${role}@${own} opening ${other}`, async ({ page, watcher, sessions }) => {
      watcher.allowStatus(404);
      await openAs(page, sessions, role, own);
      for (const path of [`/orgs/${other}`, `/orgs/${other}/settings/organization`, `/orgs/${other}/settings/billing`, '/orgs/no-such-org']) {
        const res = await page.goto(path);
        expect(res?.status(), path).toBe(404);
        await expect(page.getByTestId('error-404').getByRole('heading')).toHaveText(T.en.notFoundTitle);
        // Nothing of the other organization shows: not its name, not its numbers.
        await expect(page.locator('body')).not.toContainText(other === 'acme' ? 'Acme' : other === 'bottega' ? 'Bottega' : 'Maison');
        await expect(page.getByTestId('seat-summary')).toHaveCount(0);
        await expectSoundPage(page, 'en');
      }
      const res = await page.request.get(`/orgs/${other}/settings/organization/members`, { headers: { 'HX-Request': 'true' } });
      expect(res.status()).toBe(404);
    });
  }
});

test('the 404 page speaks the user’s language', async ({ page, watcher, sessions }) => {
  watcher.allowStatus(404);
  await openAs(page, sessions, 'owner', 'acme');
  for (const lang of LANGS) {
    const res = await page.goto(`/orgs/maison/settings/billing?lang=${lang}`);
    expect(res?.status()).toBe(404);
    await expect(page.getByTestId('error-404').getByRole('heading')).toHaveText(T[lang].notFoundTitle);
    await expectSoundPage(page, lang);
  }
});

test('Billing is in the sidebar of Owners and the Primary Owner only', async ({ page, sessions }) => {
  const expected: Record<Role, boolean> = { primary: true, owner: true, admin: false, member: false };
  for (const role of ['primary', 'owner', 'admin'] as const) {
    await openAs(page, sessions, role, 'bottega');
    const billing = page.getByTestId('settings-nav').getByRole('link', { name: 'Billing', exact: true });
    await expect(billing).toHaveCount(expected[role] ? 1 : 0);
  }
});
