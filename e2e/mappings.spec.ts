// R-PROV-4 on bottega, in Italian: the Owner maps "engineering" → Chat +
// Claude Code and sees what saving does before saving (Save and buy: bottega
// holds every Chat + Claude Code seat); a SCIM client provisions a member of
// "engineering", who gets Chat + Claude Code; adding a second mapping and
// moving it up shows a new preview before anything is saved.
import type { Page } from '@playwright/test';
import { DEMO_PASSWORD } from './env';
import { expect as baseExpect, freshServer, htmxReady, test } from './fresh';
import { email } from './support';

const ORG_PAGE = '/orgs/bottega/settings/organization';
const expect = baseExpect.configure({ timeout: 15_000 });
const CODE = 'Chat + Claude Code';

async function signIn(page: Page, who: string) {
  await page.context().clearCookies();
  const res = await page.request.post('/login', { form: { email: who, password: DEMO_PASSWORD, next: '/' }, maxRedirects: 0, timeout: 30_000 });
  expect(res.status(), `sign-in of ${who}`).toBe(303);
  await page.goto(`${ORG_PAGE}?lang=it`);
  await htmxReady(page);
}

async function scim(base: string, token: string, method: string, p: string, body?: unknown) {
  const res = await fetch(base + p, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/scim+json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

test.describe('group mappings (it)', () => {
  freshServer();
  test.use({ actionTimeout: 20_000, navigationTimeout: 30_000 });

  test('engineering → Chat + Claude Code: preview, Save and buy, a SCIM member of engineering gets it; reordering previews first', async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page, email('owner', 'bottega'));
    const section = page.getByTestId('group-mappings');
    await expect(section.getByRole('heading', { name: 'Mappature di Gruppo Avanzate' })).toBeVisible();

    // A SCIM token, made in the page.
    const prov = page.getByTestId('provisioning');
    const scimURL = await prov.getByTestId('scim-url').inputValue();
    await prov.getByLabel('Nome del token', { exact: true }).fill('Okta');
    await prov.getByRole('button', { name: 'Crea token', exact: true }).click();
    const token = await prov.getByTestId('new-token-value').inputValue();

    // The identity provider sends a member and the group "engineering".
    const user = await scim(scimURL, token, 'POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada.lovelace@bottega.example',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ primary: true, value: 'ada.lovelace@bottega.example', type: 'work' }],
      active: true,
    });
    expect(user.status).toBe(201);
    const group = await scim(scimURL, token, 'POST', '/Groups', { displayName: 'engineering', members: [{ value: user.json.id }] });
    expect(group.status).toBe(201);

    // The Owner adds the mapping: the preview comes before anything is saved.
    await page.goto(`${ORG_PAGE}?lang=it#group-mappings`);
    await htmxReady(page);
    await section.getByLabel('Nuovo gruppo', { exact: true }).fill('engineering');
    await section.getByLabel('Tipo di posto del nuovo gruppo', { exact: true }).selectOption({ label: CODE });
    await section.getByTestId('mapping-add').click();
    const plan = section.getByTestId('mapping-plan');
    await expect(plan).toContainText('Salvando:');
    await expect(plan.getByTestId('plan-wait')).toHaveText(`1 membro resterà in attesa di un posto ${CODE} (mantiene il posto attuale finché non ne viene acquistato uno)`);
    // Nothing is saved yet: the member still holds Chat.
    const seatOf = async () =>
      (await scim(scimURL, token, 'GET', `/Users/${user.json.id}?attributes=urn:seatdesk:params:scim:schemas:extension:seat:2.0:User`)).json[
        'urn:seatdesk:params:scim:schemas:extension:seat:2.0:User'
      ];
    expect((await seatOf()).seatType).toBe('chat');

    // Save and buy: one purchase, and the mapping applied in the same step.
    const buy = section.getByTestId('mapping-save-buy');
    await expect(buy).toContainText(`Salva e acquista 1 posto ${CODE}`);
    await buy.click();
    await expect(section.getByTestId('mappings-notice')).toHaveText('Mappature di gruppo salvate e applicate.');
    expect((await seatOf()).seatType).toBe('chat_code');
    const row = page.getByTestId('member-row').filter({ hasText: 'ada.lovelace@bottega.example' });
    await page.goto(`${ORG_PAGE}?lang=it&q=ada.lovelace`);
    await expect(row.getByTestId('seat-source')).toHaveText('da mappatura di gruppo');

    // A second mapping, moved above the first: each edit shows a new preview;
    // nothing changes until Save.
    await page.goto(`${ORG_PAGE}?lang=it#group-mappings`);
    await htmxReady(page);
    await section.getByLabel('Nuovo gruppo', { exact: true }).fill('design');
    await section.getByLabel('Tipo di posto del nuovo gruppo', { exact: true }).selectOption({ label: 'Chat' });
    await section.getByTestId('mapping-add').click();
    await expect(section.getByTestId('mapping-plan')).toBeVisible();
    await section.getByRole('button', { name: 'Sposta su la mappatura 2', exact: true }).click();
    await expect(section.getByTestId('mapping-row').first().getByRole('textbox')).toHaveValue('design');
    await expect(section.getByTestId('mapping-plan')).toContainText('nessun posto di un membro cambierà.');
    await section.getByTestId('mapping-save').click();
    await expect(section.getByTestId('mappings-notice')).toBeVisible();
    await expect(section.getByTestId('mapping-row').first().getByRole('textbox')).toHaveValue('design');
    expect((await seatOf()).seatType).toBe('chat_code');
  });
});
