// Settings shared by playwright.config.ts and the tests (both run in every
// worker process, so they read the same environment).

/** Password of every demo login; passed to the server as SEATDESK_DEMO_PASSWORD. */
export const DEMO_PASSWORD = process.env.E2E_DEMO_PASSWORD || 'e2e-demo-password';

/** Debian's Chromium: Playwright never downloads a browser here. */
export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
