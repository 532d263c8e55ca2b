// Every page loads cleanly: htmx is there, no console error, no CSP violation,
// no missing translation (the watcher of support.ts checks every test; here
// every page of every role is opened, and the watcher itself is tested).
import { PageWatcher, ROLES, expect, expectSoundPage, openAs, test } from './support';

test.describe('every page a role can open loads cleanly', () => {
  for (const role of ROLES) {
    test(`${role}@acme`, async ({ page, watcher, sessions }) => {
      watcher.allowStatus(403);
      await openAs(page, sessions, role, 'acme');
      const pages = ['/orgs/acme', '/orgs/acme/settings/organization', '/orgs/acme/settings/billing', '/orgs'];
      for (const path of pages) {
        const res = await page.goto(path);
        expect(res?.status(), path).toBeLessThan(500);
        await expectSoundPage(page, 'en');
        // The stylesheet applied (the layout is not unstyled HTML).
        const display = await page.locator('.shell').evaluate((el) => getComputedStyle(el).display);
        expect(display, 'app.css is applied').not.toBe('block');
      }
    });
  }
});

test('pages carry a strict Content-Security-Policy and no inline script', async ({ page, sessions }) => {
  const res = await page.goto('/login');
  const csp = res?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(await page.locator('script:not([src])').count()).toBe(0);
  await openAs(page, sessions, 'owner', 'acme');
  expect(await page.locator('script:not([src])').count()).toBe(0);
  expect(await page.locator('[style]').count(), 'inline styles are blocked by style-src').toBe(0);
  // htmx's own indicator CSS is turned off; otherwise htmx would inject a <style> the CSP refuses.
  await expect(page.locator('meta[name="htmx-config"]')).toHaveAttribute('content', /"includeIndicatorCSS":false/);
});

test('the watcher notices CSP violations, console errors and exceptions', async ({ browser, baseURL }) => {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const watcher = new PageWatcher();
  await watcher.attach(page);
  await page.goto('/login');
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = true';
    document.body.append(s); // refused: script-src 'self'
    console.error('boom');
    setTimeout(() => {
      throw new Error('uncaught');
    });
  });
  await expect.poll(() => watcher.problems.length).toBeGreaterThanOrEqual(3);
  const all = watcher.problems.join('\n');
  expect(all).toMatch(/CSP violation.*script-src/);
  expect(all).toContain('console error');
  expect(all).toContain('uncaught exception');
  await context.close();
});
