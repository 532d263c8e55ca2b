// R-INV-2: invitations hold a seat while pending; with no seat free the Owner
// buys one in the same step and the Admin invites as Unassigned; the invitee
// accepts through the link in the email (a real SMTP server in this process
// receives it) and gets a working login; revoking frees the seat. In English,
// Italian and French. This file changes data, so it runs on its own fresh
// server (e2e/fresh.ts) pointed at its own SMTP server, its tests in order.
import type { Page } from '@playwright/test';
import { demoTerm, expect, expectSameWindow, freshServer, htmxReady, invitationLink, Mailbox, markWindow, prorate, signInFresh, test } from './fresh';
import { email, expectSoundPage, money, signIn, signOut, type Lang, type Role } from './support';

const mailbox = new Mailbox();
test.beforeAll(async () => mailbox.start());
freshServer({ env: () => ({ SEATDESK_SMTP_URL: mailbox.smtpURL }) });
test.afterAll(async () => mailbox.stop());
test.describe.configure({ mode: 'serial' });

const ORG_PAGE = '/orgs/acme/settings/organization';
const PASSWORD = 'a-new-password-42';

/** The invitations' wording (locales/*.toml). */
const W = {
  en: {
    open: 'Invite member', email: 'Email', role: 'Role', seatType: 'Seat type', send: 'Send invitation',
    sent: (e: string) => `Invitation sent to ${e}.`,
    revoke: (e: string) => `Revoke the invitation to ${e}`,
    revoked: (e: string) => `The invitation to ${e} is revoked; its seat is available.`,
    subject: (inviter: string) => `${inviter} invited you to join Acme Corp on Seatdesk`,
    body: (role: string, seat: string) => `invited you to join Acme Corp as ${role} (seat type: ${seat}).`,
    join: 'Join Acme Corp', name: 'Your name', password: 'Choose a password', accept: 'Accept and join',
    home: 'Your access', seat: (s: string) => `Your seat type: ${s}`, enterprise: 'Enterprise seat', member: 'Member',
  },
  it: {
    open: 'Invita membro', email: 'Email', role: 'Ruolo', seatType: 'Tipo di posto', send: 'Invia invito',
    sent: (e: string) => `Invito inviato a ${e}.`,
    revoke: (e: string) => `Revoca l'invito a ${e}`,
    revoked: (e: string) => `L'invito a ${e} è revocato; il suo posto è disponibile.`,
    subject: (inviter: string) => `${inviter} ti ha invitato a unirti a Acme Corp su Seatdesk`,
    body: (role: string, seat: string) => `ti ha invitato a unirti a Acme Corp come ${role} (tipo di posto: ${seat}).`,
    join: 'Unisciti a Acme Corp', name: 'Il tuo nome', password: 'Scegli una password', accept: 'Accetta e unisciti',
    home: 'Il tuo accesso', seat: (s: string) => `Il tuo tipo di posto: ${s}`, enterprise: 'Posto Enterprise', member: 'Membro',
  },
  fr: {
    open: 'Inviter un membre', email: 'E-mail', role: 'Rôle', seatType: 'Type de siège', send: "Envoyer l'invitation",
    sent: (e: string) => `Invitation envoyée à ${e}.`,
    revoke: (e: string) => `Révoquer l'invitation à ${e}`,
    revoked: (e: string) => `L'invitation à ${e} est révoquée ; son siège est disponible.`,
    subject: (inviter: string) => `${inviter} vous invite à rejoindre Acme Corp sur Seatdesk`,
    body: (role: string, seat: string) => `vous invite à rejoindre Acme Corp en tant que ${role} (type de siège : ${seat}).`,
    join: 'Rejoindre Acme Corp', name: 'Votre nom', password: 'Choisissez un mot de passe', accept: 'Accepter et rejoindre',
    home: 'Votre accès', seat: (s: string) => `Votre type de siège : ${s}`, enterprise: 'Siège Enterprise', member: 'Membre',
  },
};

async function openOrganization(page: Page, role: Role, lang: Lang = 'en') {
  await signInFresh(page, email(role, 'acme'), ORG_PAGE, lang);
  await expect(page.getByTestId('invitations')).toBeVisible();
  await htmxReady(page);
  await markWindow(page);
}

/** Summary of the Enterprise seat; reserved is shown only when above 0. */
async function expectSummary(page: Page, want: { purchased: number; assigned: number; reserved: number; available: number }) {
  const card = page.getByTestId('seat-summary-enterprise');
  await expect(card.getByTestId('purchased')).toHaveText(String(want.purchased));
  await expect(card.getByTestId('assigned')).toHaveText(String(want.assigned));
  if (want.reserved > 0) await expect(card.getByTestId('reserved')).toHaveText(String(want.reserved));
  else await expect(card.getByTestId('reserved')).toHaveCount(0);
  await expect(card.getByTestId('available')).toHaveText(String(want.available));
}

/** Opens "Invite member", fills the form and sends it; returns the status of htmx's answer. */
async function invite(page: Page, lang: Lang, address: string, seatLabel?: string) {
  const w = W[lang];
  await page.getByTestId('open-invite').click();
  const form = page.getByTestId('invite-form');
  await expect(form).toBeVisible();
  await form.getByLabel(w.email, { exact: true }).fill(address);
  await form.getByLabel(w.role, { exact: true }).selectOption({ label: w.member });
  if (seatLabel) await form.getByLabel(w.seatType, { exact: true }).selectOption({ label: seatLabel });
  const answer = page.waitForResponse((res) => res.request().method() === 'POST' && new URL(res.url()).pathname === `${ORG_PAGE}/invite`);
  await form.getByTestId('send-invite').click();
  return (await answer).status();
}

const invitationRow = (page: Page, address: string) => page.getByTestId('invitation-row').filter({ hasText: address });

/** Opens the link in a new browser in lang, sets name and password, and lands on the member's page. */
async function accept(page: Page, link: string, lang: Lang, name: string, seat: string) {
  const w = W[lang];
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(w.join);
  await page.getByLabel(w.name, { exact: true }).fill(name);
  await page.getByLabel(w.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: w.accept, exact: true }).click();
  await expect(page).toHaveURL(/\/orgs\/acme$/);
  const home = page.getByTestId('member-home');
  await expect(home.getByRole('heading', { level: 1 })).toHaveText(w.home);
  await expect(home.getByTestId('member-seat')).toHaveText(w.seat(seat));
  await expectSoundPage(page, lang);
}

const term = demoTerm();
const ONE_SEAT = prorate(1, 6000, term.remaining, term.termDays);

test('en: an Admin invites someone to a free seat; the seat is reserved and the email sent', async ({ page, baseURL }) => {
  await openOrganization(page, 'admin');
  await expectSummary(page, { purchased: 25, assigned: 21, reserved: 0, available: 4 });
  expect(await invite(page, 'en', 'nina.new@example.com', 'Enterprise seat')).toBe(200);
  await expect(page.getByTestId('invite-notice')).toHaveText('Invitation sent to nina.new@example.com.');
  await expect(page.getByTestId('invite-form')).toHaveCount(0);
  const row = invitationRow(page, 'nina.new@example.com');
  await expect(row.getByRole('cell')).toHaveText(['Member', 'Enterprise seat', 'Adam Admin', /\d{4}/, /Resend\s*Revoke/]);
  await expect(row.getByRole('button', { name: 'Resend the invitation to nina.new@example.com', exact: true })).toBeVisible();
  await expectSummary(page, { purchased: 25, assigned: 21, reserved: 1, available: 3 });
  await expectSameWindow(page);

  const mail = await mailbox.waitFor('nina.new@example.com');
  expect(mail.subject).toBe(W.en.subject('Adam Admin'));
  expect(mail.text).toContain(W.en.body('Member', 'Enterprise seat'));
  expect(invitationLink(mail, baseURL!)).toMatch(/\/invitations\/[A-Za-z0-9_-]{20,}$/);
});

test('en: the Owner fills the last free seats, then is prompted to buy one: buys and invites in one step', async ({ page, watcher }) => {
  watcher.allowStatus(409);
  await openOrganization(page, 'owner');
  for (const [i, address] of ['fill1@example.com', 'fill2@example.com', 'fill3@example.com'].entries()) {
    expect(await invite(page, 'en', address)).toBe(200);
    await expect(page.getByTestId('invite-notice')).toHaveText(`Invitation sent to ${address}.`);
    await expectSummary(page, { purchased: 25, assigned: 21, reserved: 2 + i, available: 2 - i });
  }

  expect(await invite(page, 'en', 'extra.owner@example.com', 'Enterprise seat')).toBe(409);
  const buy = page.getByTestId('invite-buy');
  await expect(buy).toContainText('No seat of type Enterprise seat is available.');
  await expect(buy).toContainText(
    `One seat costs $60.00 per month; for the ${term.remaining} of ${term.termDays} days left in the term, ${money(ONE_SEAT, 'USD', 'en')} is charged now.`,
  );
  await expect(page.getByTestId('invite-no-seat')).toHaveCount(0);
  await expect(invitationRow(page, 'extra.owner@example.com')).toHaveCount(0);
  await expectSummary(page, { purchased: 25, assigned: 21, reserved: 4, available: 0 });
  const button = buy.getByTestId('buy-and-invite');
  await expect(button).toHaveText(`Buy 1 seat (Enterprise seat) for ${money(ONE_SEAT, 'USD', 'en')} and send the invitation`);
  await button.click();
  await expect(page.getByTestId('invite-notice')).toHaveText('Invitation sent to extra.owner@example.com.');
  await expect(invitationRow(page, 'extra.owner@example.com')).toHaveCount(1);
  await expectSummary(page, { purchased: 26, assigned: 21, reserved: 5, available: 0 });
  await expectSameWindow(page);
  const mail = await mailbox.waitFor('extra.owner@example.com');
  expect(mail.subject).toBe(W.en.subject('Olive Owner'));

  // Charged once, on Billing.
  await page.goto('/orgs/acme/settings/billing');
  await expect(page.getByTestId('invoice-row')).toHaveCount(2);
  await expect(page.getByTestId('invoice-row').filter({ hasText: 'ACME-00002' }).getByRole('cell').last()).toHaveText(money(ONE_SEAT, 'USD', 'en'));
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText('26');
});

test('en: the Admin, with no seat free, is told an Owner must buy one and invites as Unassigned instead', async ({ page, watcher }) => {
  watcher.allowStatus(409);
  await openOrganization(page, 'admin');
  expect(await invite(page, 'en', 'later@example.com', 'Enterprise seat')).toBe(409);
  const noSeat = page.getByTestId('invite-no-seat');
  await expect(noSeat).toContainText('No seat of type Enterprise seat is available: an Owner must buy one first.');
  await expect(page.getByTestId('buy-and-invite')).toHaveCount(0);
  await expect(invitationRow(page, 'later@example.com')).toHaveCount(0);
  await noSeat.getByTestId('invite-unassigned').click();
  await expect(page.getByTestId('invite-notice')).toHaveText('Invitation sent to later@example.com.');
  await expect(invitationRow(page, 'later@example.com').getByRole('cell').nth(1)).toHaveText('Unassigned');
  // Nothing bought, nothing reserved.
  await expectSummary(page, { purchased: 26, assigned: 21, reserved: 5, available: 0 });
  const mail = await mailbox.waitFor('later@example.com');
  expect(mail.text).toContain(W.en.body('Member', 'Unassigned'));
});

test('en: the invitee opens the emailed link, sets a password, lands on a working account, signs out and in again', async ({ page, openPage, baseURL, watcher }) => {
  watcher.allowStatus(410);
  const link = invitationLink(await mailbox.waitFor('nina.new@example.com'), baseURL!);
  const nina = await openPage({ baseURL, locale: 'en-US' });
  await accept(nina, link, 'en', 'Nina New', 'Enterprise seat');
  await expect(nina.getByTestId('member-home')).toContainText('Your role: Member');

  await signOut(nina);
  await signIn(nina, 'nina.new@example.com', { password: PASSWORD, onThisPage: true });
  await expect(nina).toHaveURL(/\/orgs\/acme$/);
  await expect(nina.getByTestId('member-seat')).toHaveText('Your seat type: Enterprise seat');

  // The link worked once.
  const again = await nina.goto(link);
  expect(again?.status()).toBe(410);
  await expect(nina.getByRole('alert')).toHaveText('This invitation was already accepted. Sign in to continue.');

  // The reserved seat became an assigned one.
  await openOrganization(page, 'admin');
  await expect(page.getByTestId('member-row').filter({ hasText: 'nina.new@example.com' })).toContainText('Nina New');
  await expect(invitationRow(page, 'nina.new@example.com')).toHaveCount(0);
  await expectSummary(page, { purchased: 26, assigned: 22, reserved: 4, available: 0 });
});

test('en: revoking an invitation frees its seat and its link; Resend sends a new link', async ({ page, openPage, baseURL, watcher }) => {
  watcher.allowStatus(410);
  await openOrganization(page, 'owner');
  await invitationRow(page, 'fill1@example.com').getByRole('button', { name: W.en.revoke('fill1@example.com'), exact: true }).click();
  await expect(page.getByTestId('invite-notice')).toHaveText(W.en.revoked('fill1@example.com'));
  await expect(invitationRow(page, 'fill1@example.com')).toHaveCount(0);
  await expectSummary(page, { purchased: 26, assigned: 22, reserved: 3, available: 1 });

  const other = await openPage({ baseURL, locale: 'en-US' });
  const revoked = await other.goto(invitationLink(await mailbox.waitFor('fill1@example.com'), baseURL!));
  expect(revoked?.status()).toBe(410);
  await expect(other.getByRole('alert')).toHaveText('This invitation was revoked. Ask an Admin of the organization for a new one.');

  // Resend: a new email with a new link; the old link no longer works.
  const first = invitationLink(await mailbox.waitFor('fill3@example.com'), baseURL!);
  await invitationRow(page, 'fill3@example.com').getByRole('button', { name: 'Resend the invitation to fill3@example.com', exact: true }).click();
  await expect(page.getByTestId('invite-notice')).toHaveText('Invitation sent again to fill3@example.com, with a new link valid for 7 days.');
  const second = invitationLink(await mailbox.waitFor('fill3@example.com', 2), baseURL!);
  expect(second).not.toBe(first);
  expect((await other.goto(first))?.status()).toBe(410);
  expect((await other.goto(second))?.status()).toBe(200);
  await expectSummary(page, { purchased: 26, assigned: 22, reserved: 3, available: 1 });
  await expectSameWindow(page);
});

test('it: the Owner invites in Italian; the email is in Italian; the invitee accepts in Italian', async ({ page, openPage, baseURL }) => {
  await openOrganization(page, 'owner', 'it');
  await expect(page.getByTestId('open-invite')).toHaveText(W.it.open);
  expect(await invite(page, 'it', 'giulia.nuova@example.com', W.it.enterprise)).toBe(200);
  await expect(page.getByTestId('invite-notice')).toHaveText(W.it.sent('giulia.nuova@example.com'));
  await expectSummary(page, { purchased: 26, assigned: 22, reserved: 4, available: 0 });

  const mail = await mailbox.waitFor('giulia.nuova@example.com');
  expect(mail.subject).toBe(W.it.subject('Olive Owner'));
  expect(mail.text).toContain(W.it.body('Membro', W.it.enterprise));
  const invitee = await openPage({ baseURL, locale: 'it-IT' });
  await accept(invitee, invitationLink(mail, baseURL!), 'it', 'Giulia Nuova', W.it.enterprise);

  await page.reload();
  await expectSummary(page, { purchased: 26, assigned: 23, reserved: 3, available: 0 });
});

test('fr: the Admin revokes an invitation and invites in French; the email is in French; the invitee accepts in French', async ({ page, openPage, baseURL }) => {
  await openOrganization(page, 'admin', 'fr');
  await invitationRow(page, 'fill2@example.com').getByRole('button', { name: W.fr.revoke('fill2@example.com'), exact: true }).click();
  await expect(page.getByTestId('invite-notice')).toHaveText(W.fr.revoked('fill2@example.com'));
  await expectSummary(page, { purchased: 26, assigned: 23, reserved: 2, available: 1 });

  await expect(page.getByTestId('open-invite')).toHaveText(W.fr.open);
  expect(await invite(page, 'fr', 'zoe.nouvelle@example.com', W.fr.enterprise)).toBe(200);
  await expect(page.getByTestId('invite-notice')).toHaveText(W.fr.sent('zoe.nouvelle@example.com'));
  await expectSummary(page, { purchased: 26, assigned: 23, reserved: 3, available: 0 });

  const mail = await mailbox.waitFor('zoe.nouvelle@example.com');
  expect(mail.subject).toBe(W.fr.subject('Adam Admin'));
  expect(mail.text).toContain(W.fr.body('Membre', W.fr.enterprise));
  const invitee = await openPage({ baseURL, locale: 'fr-FR' });
  await accept(invitee, invitationLink(mail, baseURL!), 'fr', 'Zoé Nouvelle', W.fr.enterprise);

  // Her new password works after signing out.
  await signOut(invitee, 'fr');
  await signIn(invitee, 'zoe.nouvelle@example.com', { lang: 'fr', password: PASSWORD, onThisPage: true });
  await expect(invitee).toHaveURL(/\/orgs\/acme$/);
  await expect(invitee.getByTestId('member-home')).toBeVisible();
});
