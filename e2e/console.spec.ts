// Issue 11, the console an admin works in all day: the members table's
// density, keyboard journeys with the focus asserted at each step, the live
// region, progress while a request is in flight, no horizontal overflow at
// 1280 and 390 px in en/it/fr with a panel and a menu open, and axe-core
// (WCAG 2.2 AA) on Organization, Billing and an invoice, after each htmx
// interaction too. Some steps change data: this file has its own server.
import type { Locator, Page } from '@playwright/test';
import { expectNoAxeViolations } from './axe';
import { expect, freshServer, htmxReady, signInFresh, test } from './fresh';
import { email, LANGS, type Lang } from './support';

freshServer();
test.describe.configure({ mode: 'serial' });

const ORG = (org: string) => `/orgs/${org}/settings/organization`;
const BILLING = (org: string) => `/orgs/${org}/settings/billing`;

const W = {
  en: { seatFor: (n: string) => `Seat type for ${n}`, apply: (n: string) => `Apply the seat type for ${n}`, actions: (n: string) => `Actions for ${n}`, code: 'Chat + Claude Code', remove: 'Remove' },
  it: { seatFor: (n: string) => `Tipo di posto per ${n}`, apply: (n: string) => `Applica il tipo di posto per ${n}`, actions: (n: string) => `Azioni per ${n}`, code: 'Chat + Claude Code', remove: 'Rimuovi' },
  fr: { seatFor: (n: string) => `Type de siège pour ${n}`, apply: (n: string) => `Appliquer le type de siège pour ${n}`, actions: (n: string) => `Actions pour ${n}`, code: 'Chat + Claude Code', remove: 'Supprimer' },
};

async function open(page: Page, who: string, path: string, lang: Lang = 'en') {
  await signInFresh(page, who, path, lang);
  await htmxReady(page);
}

/** A member's row group (its cells, and the panel under them). */
const member = (page: Page, name: string) =>
  page.getByTestId('member-row').filter({ has: page.getByRole('rowheader', { name: new RegExp(`^${name}(\\s|$)`) }) });

/** Presses Tab until the locator has the focus: the keyboard's way there. */
async function tabTo(page: Page, target: Locator, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement).catch(() => false)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target, `reached with Tab within ${max} presses`).toBeFocused();
}

/** The live region's text once it has been written (console.js writes it a moment after the swap). */
async function expectAnnounced(page: Page, text: string) {
  await expect(page.getByTestId('live-region')).toHaveText(text);
  await expect(page.getByTestId('live-region')).toHaveAttribute('role', 'status');
}

/** Nothing wider than the viewport, nothing past its right edge, no page-wide horizontal scroll. */
async function expectNoOverflow(page: Page, where: string) {
  const r = await page.evaluate(() => {
    const se = document.scrollingElement as HTMLElement;
    const cw = se.clientWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => {
        if (e.closest('.skip')) return false;
        const b = e.getBoundingClientRect();
        return b.width > 0 && b.height > 0 && (b.right > cw + 0.5 || b.width > cw + 0.5);
      })
      .slice(0, 6)
      .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}${[...e.classList].map((c) => '.' + c).join('')} right=${Math.round(e.getBoundingClientRect().right)}`);
    // A dropdown narrower than its longest option cuts the label.
    const ctx = document.createElement('canvas').getContext('2d')!;
    const cut = [...document.querySelectorAll('select')]
      .filter((s) => s.getBoundingClientRect().width > 0)
      .filter((s) => {
        const cs = getComputedStyle(s);
        ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
        const need = Math.max(...[...s.options].map((o) => ctx.measureText(o.text).width));
        const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 18; // the arrow
        return need > room + 1;
      })
      .map((s) => `select ${s.getAttribute('aria-label') || s.id}`);
    // A cell's text wider than its cell (dates, headers) is cut too.
    const clipped = [...document.querySelectorAll('time, th, td')]
      .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
      .filter((e) => {
        // Not what is hidden on purpose (the column headers of a phone's cards, visually-hidden text).
        for (let p: Element | null = e; p; p = p.parentElement) if (p.getBoundingClientRect().width <= 1) return false;
        return true;
      })
      .slice(0, 6)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent || '').trim().slice(0, 30)}"`);
    return { scrollWidth: se.scrollWidth, clientWidth: cw, wide, cut, clipped };
  });
  expect(r.scrollWidth, `${where}: the page scrolls sideways`).toBeLessThanOrEqual(r.clientWidth);
  expect(r.wide, `${where}: elements past the viewport's right edge`).toEqual([]);
  expect(r.cut, `${where}: dropdowns cutting their labels`).toEqual([]);
  expect(r.clipped, `${where}: cells cutting their text`).toEqual([]);
}

test('acme at 1280×800: at least 12 members in the first screen, rows at most 44 px, in en, it and fr', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const lang of LANGS) {
    await open(page, email('admin', 'acme'), ORG('acme'), lang);
    const rows = await page.locator('[data-testid="member-row"] > tr.member-main').evaluateAll((trs) =>
      trs.map((tr) => {
        const b = tr.getBoundingClientRect();
        return { top: b.top, bottom: b.bottom, height: b.height };
      }),
    );
    expect(rows.length).toBe(24);
    const visible = rows.filter((r) => r.top >= 0 && r.bottom <= 800);
    expect(visible.length, `${lang}: member rows wholly in the first 800 px`).toBeGreaterThanOrEqual(12);
    for (const r of rows) expect(r.height, `${lang}: a member row's height`).toBeLessThanOrEqual(44);
    await expectNoOverflow(page, `Organization ${lang} 1280`);
  }
});

for (const width of [1280, 390]) {
  for (const lang of LANGS) {
    test(`bottega (${lang}, ${width} px): Organization with a panel and a menu open, Billing with the review, the invoice: no overflow, no axe violation`, async ({ page, watcher }) => {
      test.setTimeout(90_000);
      watcher.allowStatus(409);
      const w = W[lang];
      await page.setViewportSize({ width, height: width < 500 ? 844 : 800 });
      await open(page, email('primary', 'bottega'), ORG('bottega'), lang);
      await expectNoOverflow(page, `Organization ${lang} ${width}`);
      await expectNoAxeViolations(page, `Organization ${lang} ${width}`);

      // The Owner's purchase prompt (no Chat + Claude Code seat is free), in a row: a long panel.
      const mia = member(page, 'Mia Member');
      await page.getByRole('combobox', { name: w.seatFor('Mia Member'), exact: true }).selectOption({ label: w.code });
      await mia.getByRole('button', { name: w.apply('Mia Member'), exact: true }).click();
      await expect(mia.getByTestId('panel-buy_seat')).toBeVisible();
      await expect(mia.getByTestId('buy-seat')).toBeFocused();
      // Another row's actions menu, open beside it; a third row's dropdown changed, not applied.
      const olive = member(page, 'Olive Owner');
      await olive.locator('summary').click();
      await expect(olive.getByTestId('row-menu').getByRole('button', { name: w.remove, exact: true })).toBeVisible();
      await page.getByRole('combobox', { name: w.seatFor('Adam Admin'), exact: true }).selectOption({ label: 'Chat' });
      await expect(page.getByRole('button', { name: w.apply('Adam Admin'), exact: true })).toBeVisible();
      await expectNoOverflow(page, `Organization ${lang} ${width}, panel and menu open`);
      await expectNoAxeViolations(page, `Organization ${lang} ${width}, panel and menu open`);

      // Billing: the pencil's editor, then the review.
      await page.goto(`${BILLING('bottega')}?lang=${lang}`);
      await htmxReady(page);
      await expectNoOverflow(page, `Billing ${lang} ${width}`);
      await expectNoAxeViolations(page, `Billing ${lang} ${width}`);
      await page.getByTestId('edit-seats-chat_code').click();
      await expect(page.locator('#add-seats')).toBeFocused();
      await expectNoOverflow(page, `Billing ${lang} ${width}, editor`);
      await expectNoAxeViolations(page, `Billing ${lang} ${width}, editor`);
      await page.keyboard.type('2');
      await page.keyboard.press('Enter');
      await expect(page.getByTestId('upgrade')).toBeFocused();
      await expectNoOverflow(page, `Billing ${lang} ${width}, review`);
      await expectNoAxeViolations(page, `Billing ${lang} ${width}, review`);

      await page.goto(`${BILLING('bottega')}/invoices/BOTTEGA-00001?lang=${lang}`);
      await expect(page.getByTestId('invoice')).toBeVisible();
      await expectNoOverflow(page, `invoice ${lang} ${width}`);
      await expectNoAxeViolations(page, `invoice ${lang} ${width}`);
    });
  }
}

test('acme: an Admin sets a member Unassigned without a mouse; arrowing the dropdown commits nothing; the focus and the live region follow', async ({ page }) => {
  const name = 'Giulia Rossi';
  await open(page, email('admin', 'acme'), ORG('acme'));
  const posts: string[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST') posts.push(new URL(req.url()).pathname);
  });
  const available = page.getByTestId('seat-summary-enterprise').getByTestId('available');
  await expect(available).toHaveText('4');

  // Search first: the table follows as one types, the focus stays in the field.
  const search = page.getByTestId('member-filters').getByLabel('Search', { exact: true });
  await tabTo(page, search);
  await page.keyboard.type(name);
  await expect(page.getByTestId('members-count')).toHaveText('Showing 1–1 of 1 member');
  await expect(search).toBeFocused();

  const select = page.getByRole('combobox', { name: `Seat type for ${name}`, exact: true });
  const apply = page.getByRole('button', { name: `Apply the seat type for ${name}`, exact: true });
  await tabTo(page, select);
  await expect(apply).toBeHidden();
  // Arrowing through the closed dropdown changes its value and nothing else.
  await page.keyboard.press('ArrowDown');
  await expect(select).toHaveValue('');
  await expect(apply).toBeVisible();
  await page.keyboard.press('ArrowUp');
  await expect(select).toHaveValue('enterprise');
  await expect(apply).toBeHidden();
  await page.keyboard.press('ArrowDown');
  expect(posts, 'arrowing the dropdown posted a change').toEqual([]);
  await expect(available).toHaveText('4');

  // Apply asks first; Escape drops the question and gives the dropdown back.
  await page.keyboard.press('Tab');
  await expect(apply).toBeFocused();
  await page.keyboard.press('Space');
  const confirm = member(page, name).getByRole('button', { name: 'Move to Unassigned', exact: true });
  await expect(confirm).toBeFocused();
  await expect(confirm).toHaveAccessibleDescription(`${name} will lose access to Claude until a seat is assigned again, and stays in the organization.`);
  await expectNoAxeViolations(page, 'the confirmation in a row');
  await page.keyboard.press('Escape');
  await expect(member(page, name).getByTestId('panel-confirm_seat')).toHaveCount(0);
  await expect(select).toBeFocused();
  await expect(select).toHaveValue('enterprise');
  await expect(available).toHaveText('4');

  // Again, through to the end: Enter on Apply, Enter on the confirmation.
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await expect(apply).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(confirm).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(select).toBeFocused();
  await expect(select).toHaveValue('');
  await expectAnnounced(page, `The seat type of ${name} is now Unassigned.`);
  await expect(member(page, name).getByTestId('panel-done')).toHaveText(`The seat type of ${name} is now Unassigned.`);
  await expect(available).toHaveText('5');
  await expectNoAxeViolations(page, 'the row after the change');

  // The row's actions menu opens with the keyboard and Escape closes it.
  const menuButton = member(page, name).locator('summary');
  await tabTo(page, menuButton, 5);
  await expect(menuButton).toHaveAccessibleName(`Actions for ${name}`);
  await page.keyboard.press('Enter');
  await expect(member(page, name).getByRole('link', { name: 'History', exact: true })).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(member(page, name).getByRole('link', { name: 'History', exact: true })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(member(page, name).getByRole('link', { name: 'History', exact: true })).toBeHidden();
  await expect(menuButton).toBeFocused();
});

test('acme: an Owner adds 5 seats without a mouse, from the seat card to Upgrade; the focus and the live region follow', async ({ page }) => {
  await open(page, email('owner', 'acme'), ORG('acme'));
  const card = page.getByTestId('seat-summary-enterprise');
  // 21 in the demo, 20 after the test above (no invitation reserves one).
  const inUse = Number(await card.getByTestId('assigned').innerText());
  await expect(card.getByTestId('seat-meter')).toHaveAccessibleName(`Enterprise seat: ${inUse} of 25 seats in use`);
  const add = card.getByRole('button', { name: 'Add seats: Enterprise seat', exact: true });
  await tabTo(page, add);
  await page.keyboard.press('Enter');

  // Billing, its editor open, the number field focused.
  await expect(page).toHaveURL(/\/settings\/billing\?edit=enterprise$/);
  const field = page.getByLabel('Seats to add', { exact: true });
  await expect(field).toBeFocused();
  await htmxReady(page);
  // Escape closes the editor; the focus goes back to the pencil, a real button (Space opens it).
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('seat-editor')).toHaveCount(0);
  const pencil = page.getByTestId('edit-seats-enterprise');
  await expect(pencil).toBeFocused();
  await expect(pencil).toHaveText('Add seats');
  await page.keyboard.press('Space');
  await expect(field).toBeFocused();
  await expectNoAxeViolations(page, 'the seat editor');

  await page.keyboard.type('5');
  await page.keyboard.press('Enter');
  const upgrade = page.getByTestId('upgrade');
  await expect(upgrade).toBeFocused();
  await expect(page.getByTestId('review-seats')).toHaveText('25 → 30');
  await expectNoAxeViolations(page, 'the review');
  await page.keyboard.press('Enter');

  await expect(page.getByTestId('billing-notice')).toHaveText('Seats added. Invoice ACME-00002 has been recorded.');
  await expect(pencil).toBeFocused();
  await expectAnnounced(page, 'Seats added. Invoice ACME-00002 has been recorded.');
  await expect(page.getByTestId('billing-seat-enterprise').getByTestId('purchased')).toHaveText('30');
  await expectNoAxeViolations(page, 'Billing after Upgrade');

  // Both pages show the same numbers.
  await page.goto(ORG('acme'));
  await expect(card.getByTestId('purchased')).toHaveText('30');
  await expect(card.getByTestId('available')).toHaveText(String(30 - inUse));
});

test('bottega: while a request is in flight its target is busy and the control that fired it is disabled', async ({ page, watcher }) => {
  watcher.allowStatus(409);
  await open(page, email('admin', 'bottega'), ORG('bottega'));
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/members/*/seat', async (route) => {
    await gate;
    await route.continue();
  });
  const row = member(page, 'Mia Member');
  await page.getByRole('combobox', { name: 'Seat type for Mia Member', exact: true }).selectOption({ label: 'Chat + Claude Code' });
  const apply = row.getByTestId('seat-apply');
  await apply.click();
  await expect(row).toHaveAttribute('aria-busy', 'true');
  await expect(apply).toBeDisabled();
  await expect(row.locator('form.seat-form')).toHaveClass(/htmx-request/);
  release();
  // An Admin meets the no-seat answer, read out; the focus goes back to the dropdown.
  await expect(row.getByTestId('panel-no_seat')).toBeVisible();
  await expect(row).not.toHaveAttribute('aria-busy', 'true');
  await expect(page.getByRole('combobox', { name: 'Seat type for Mia Member', exact: true })).toBeFocused();
  await expect(page.getByTestId('live-region')).toContainText('No seat of type Chat + Claude Code is available.');

  // The members table while a search runs.
  let releaseSearch!: () => void;
  const searchGate = new Promise<void>((resolve) => (releaseSearch = resolve));
  await page.route((url) => url.pathname.endsWith('/settings/organization/members'), async (route) => {
    await searchGate;
    await route.continue();
  });
  await page.getByTestId('member-filters').getByLabel('Search', { exact: true }).fill('olive');
  await expect(page.getByTestId('members')).toHaveAttribute('aria-busy', 'true');
  releaseSearch();
  await expect(page.getByTestId('members-count')).toHaveText('Showing 1–1 of 1 member');
  await expect(page.getByTestId('members')).not.toHaveAttribute('aria-busy', 'true');
});
