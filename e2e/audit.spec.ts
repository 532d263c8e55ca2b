// R-AUDIT-1: an Admin opens the audit log, filters it by one member,
// downloads the CSV export (it parses, and its rows are the filtered ones);
// once in English, once in Italian. The changes it reads are made first, on
// this file's own fresh server (e2e/fresh.ts).
import fs from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, freshServer, signInFresh, test } from './fresh';
import type { Lang } from './support';

freshServer();
test.describe.configure({ mode: 'serial' });

const W = {
  en: { nav: 'Audit log', member: 'Member', apply: 'Filter', export: 'Export CSV', seatChanged: 'Seat type changed', unassigned: 'Unassigned' },
  it: { nav: 'Registro di controllo', member: 'Membro', apply: 'Filtra', export: 'Esporta CSV', seatChanged: 'Tipo di posto modificato', unassigned: 'Non assegnato' },
};

const GIULIA = 'giulia.rossi1@acme.example';
const OTHER = 'luca.dubois2@acme.example';

/** A minimal RFC 4180 parser: quoted fields, doubled quotes, CRLF or LF. */
function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Sets a member Unassigned and back through the members table's endpoint (the dropdown has its own spec). */
async function unassignAndBack(page: Page, email: string) {
  const id = await page
    .getByTestId('member-row')
    .filter({ hasText: email })
    .first()
    .getAttribute('data-member-id');
  expect(id).not.toBeNull();
  for (const [from, to] of [['enterprise', ''], ['', 'enterprise']]) {
    const res = await page.request.post(`/orgs/acme/settings/organization/members/${id}/seat`, {
      form: { from, to, confirm: '1' },
      headers: { 'HX-Request': 'true' },
    });
    expect(res.status()).toBe(200);
  }
}

test('changes to record: two members set Unassigned and back', async ({ page }) => {
  await signInFresh(page, 'admin@acme.example', '/orgs/acme/settings/organization?q=' + encodeURIComponent(GIULIA));
  await unassignAndBack(page, GIULIA);
  await signInFresh(page, 'admin@acme.example', '/orgs/acme/settings/organization?q=' + encodeURIComponent(OTHER));
  await unassignAndBack(page, OTHER);
});

for (const lang of ['en', 'it'] as Lang[]) {
  const w = W[lang as 'en' | 'it'];
  test(`an Admin filters the audit log by one member and exports it (${lang})`, async ({ page }) => {
    await signInFresh(page, 'admin@acme.example', '/orgs/acme/settings/organization', lang);
    await page.getByRole('navigation').getByRole('link', { name: w.nav }).click();
    await expect(page).toHaveURL(/\/settings\/audit-log/);
    await expect(page.getByTestId('audit-row').first()).toBeVisible();
    await expect(page.getByTestId('audit-subject').filter({ hasText: OTHER }).first()).toBeVisible();

    await page.getByLabel(w.member, { exact: true }).fill(GIULIA);
    await page.getByTestId('audit-apply').click();
    await expect(page).toHaveURL(new RegExp(`member=${encodeURIComponent(GIULIA).replace(/\./g, '\\.')}`));
    const rows = page.getByTestId('audit-row');
    await expect(rows).toHaveCount(2);
    for (const subject of await page.getByTestId('audit-subject').allTextContents()) expect(subject.trim()).toBe(GIULIA);
    await expect(rows.first().getByTestId('audit-what')).toHaveText(w.seatChanged);
    await expect(rows.nth(1).getByTestId('audit-change')).toContainText(w.unassigned);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-log-acme-.*\.csv$/);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    const csv = parseCSV(text);
    const header = csv[0];
    expect(header).toEqual(['time_utc', 'event_id', 'kind', 'action', 'actor_kind', 'actor', 'member', 'subject_type', 'subject_id', 'summary', 'before_json', 'after_json']);
    const data = csv.slice(1);
    expect(data).toHaveLength(2);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-event-id')));
    expect(data.map((r) => r[header.indexOf('event_id')])).toEqual(ids);
    for (const r of data) {
      expect(r[header.indexOf('member')]).toBe(GIULIA);
      expect(r[header.indexOf('action')]).toBe('member.seat_changed');
      expect(r[header.indexOf('actor')]).toBe('admin@acme.example');
      expect(r[header.indexOf('summary')]).toContain(w.seatChanged);
      expect(JSON.parse(r[header.indexOf('after_json')]).member).toBe(GIULIA);
    }
  });
}
