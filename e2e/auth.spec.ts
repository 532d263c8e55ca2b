// Signing in and out, for every demo login, as a person does it.
import { DEMO_PASSWORD } from './env';
import { ORGS, ORG_NAMES, ROLES, SEATS, T, email, expect, expectSoundPage, openAs, signIn, signInAs, test } from './support';

const NAMES = { primary: 'Pat Primary', owner: 'Olive Owner', admin: 'Adam Admin', member: 'Mia Member' } as const;

test.describe('each demo login lands where its role allows', () => {
  for (const org of ORGS) {
    for (const role of ROLES) {
      test(`${email(role, org)}`, async ({ page }) => {
        await signInAs(page, role, org);
        await expectSoundPage(page, 'en');
        await expect(page.getByTestId('current-org')).toHaveText(ORG_NAMES[org]);
        await expect(page.getByTestId('signed-in-user')).toHaveText(NAMES[role]);
        const nav = page.getByTestId('settings-nav');
        if (role === 'member') {
          // A Member sees their own membership, and no settings at all.
          await expect(page.getByTestId('member-home')).toContainText('Your role: Member');
          await expect(nav).toHaveCount(0);
          return;
        }
        await expect(page.getByTestId('breadcrumb')).toHaveText('Organization settings › Organization');
        await expect(nav.getByRole('link', { name: 'Organization', exact: true })).toHaveAttribute('aria-current', 'page');
        const billing = nav.getByRole('link', { name: 'Billing', exact: true });
        if (role === 'admin') {
          await expect(billing).toHaveCount(0);
          return;
        }
        await billing.click();
        await expect(page).toHaveURL(`/orgs/${org}/settings/billing`);
        await expect(page.getByTestId('breadcrumb')).toHaveText('Organization settings › Billing');
        await expect(billing).toHaveAttribute('aria-current', 'page');
        for (const s of SEATS[org]) {
          await expect(page.getByTestId(`billing-seat-${s.key}`).getByTestId('purchased')).toHaveText(String(s.purchased));
        }
        await expectSoundPage(page, 'en');
      });
    }
  }
});

test('a Member sees their own seat type on their membership page', async ({ page, sessions }) => {
  const seat = { acme: 'Enterprise seat', bottega: 'Chat', maison: 'Standard' } as const;
  for (const org of ORGS) {
    await openAs(page, sessions, 'member', org);
    await expect(page.getByTestId('member-seat')).toHaveText(`Your seat type: ${seat[org]}`);
    await expect(page.getByTestId('member-home')).toContainText('managed by the Admins and Owners');
  }
});

test('an anonymous visitor is sent to sign in, then back to the page asked for', async ({ page }) => {
  await page.goto('/orgs/acme/settings/billing');
  await expect(page).toHaveURL('/login?next=%2Forgs%2Facme%2Fsettings%2Fbilling');
  await expect(page.getByTestId('login')).toBeVisible();
  await expectSoundPage(page, 'en');
  await signIn(page, email('owner', 'acme'), { onThisPage: true });
  await expect(page).toHaveURL('/orgs/acme/settings/billing');
  await expect(page.getByTestId('breadcrumb')).toHaveText('Organization settings › Billing');
});

test('the start page sends an anonymous visitor to sign in', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.getByRole('heading', { name: 'Sign in to Seatdesk' })).toBeVisible();
});

test('a sign-in link cannot send the user to another site', async ({ page }) => {
  await page.goto('/login?next=//evil.example/');
  await signIn(page, email('admin', 'acme'), { onThisPage: true });
  await expect(page).toHaveURL('/orgs/acme/settings/organization');
});

// Failed sign-ins count towards the throttle: 5 per address typed, 20 per
// client address, in 15 minutes. Each run has a fresh database; keep the demo
// logins' failures few (see also screenshots.spec.ts).
test('a wrong password or unknown email shows an error and signs nobody in', async ({ page, watcher }) => {
  watcher.allowStatus(422);
  await signIn(page, email('owner', 'acme'), { password: 'not-the-password' });
  await expect(page).toHaveURL('/login');
  await expect(page.getByRole('alert')).toHaveText(T.en.badCredentials);
  // The email is kept, the password is not.
  await expect(page.getByLabel('Email', { exact: true })).toHaveValue(email('owner', 'acme'));
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await expectSoundPage(page, 'en');

  // The same message for an address that does not exist: nothing leaks.
  await signIn(page, 'nobody@acme.example', { onThisPage: true });
  await expect(page.getByRole('alert')).toHaveText(T.en.badCredentials);

  await page.goto('/orgs/acme/settings/organization');
  await expect(page).toHaveURL(/\/login\?next=/);

  // And the right password still works afterwards.
  await signIn(page, email('owner', 'acme'), { onThisPage: true, password: DEMO_PASSWORD });
  await expect(page).toHaveURL('/orgs/acme/settings/organization');
});

test('the wrong-password message is in the chosen language', async ({ page, watcher }) => {
  watcher.allowStatus(422);
  for (const lang of ['it', 'fr'] as const) {
    await signIn(page, email('admin', 'maison'), { lang, password: 'nope' });
    await expect(page.getByRole('alert')).toHaveText(T[lang].badCredentials);
    await expectSoundPage(page, lang);
  }
});

test('after 5 failed sign-ins the address is throttled, with a message saying how long', async ({ page, watcher }) => {
  watcher.allowStatus(422, 429);
  const who = 'throttled@maison.example'; // nobody's: no demo login is locked out
  for (let i = 0; i < 5; i++) {
    await signIn(page, who, { password: `wrong-${i}` });
    await expect(page.getByRole('alert')).toHaveText(T.en.badCredentials);
  }
  await signIn(page, who, { password: 'wrong-again' });
  await expect(page.getByRole('alert')).toHaveText('Too many failed sign-in attempts. Wait 15 minutes and try again.');
  await expectSoundPage(page, 'en');
});

test('sign out ends the session', async ({ page }) => {
  await signInAs(page, 'primary', 'maison');
  const signedIn = await page.context().cookies();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL('/login');
  await expect(page.getByTestId('signed-in-user')).toHaveCount(0);
  await page.goto('/orgs/maison/settings/organization');
  await expect(page).toHaveURL(/\/login\?next=/);
  // The session is gone on the server too: its old cookie opens nothing.
  await page.context().addCookies(signedIn);
  await page.goto('/orgs/maison/settings/organization');
  await expect(page).toHaveURL(/\/login\?next=/);
});

test('sign out works in Italian and French too', async ({ page }) => {
  for (const lang of ['it', 'fr'] as const) {
    await signInAs(page, 'member', 'acme', lang);
    await page.getByRole('button', { name: T[lang].signOut, exact: true }).click();
    await expect(page).toHaveURL('/login');
    await expect(page.getByRole('button', { name: T[lang].signIn, exact: true })).toBeVisible();
  }
});
