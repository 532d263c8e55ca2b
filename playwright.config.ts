// Browser tests: the real binary (bin/seatdesk, built by `make build`) in
// Debian's Chromium, once on SQLite and once on PostgreSQL, each on a fresh
// database with the demo data (e2e/serve.sh). Run with `make e2e`.
//
// Environment:
//   E2E_DATABASE_URL / TEST_DATABASE_URL  PostgreSQL server on which a throwaway
//                      database is created (and dropped) for the postgres project.
//                      Required, unless E2E_SQLITE_ONLY=1.
//   E2E_SQLITE_ONLY=1  quick local run without PostgreSQL (refused when
//                      SEATDESK_REQUIRE_POSTGRES=1, as in CI).
//   E2E_SQLITE_PORT, E2E_POSTGRES_PORT  ports of the two servers (4417, 4418).
//   E2E_SERVER_LOG=1   show the servers' request logs.
//   E2E_TRACE=1        keep a Playwright trace of each failed test (test-results/).
import fs from 'node:fs';
import { defineConfig, type PlaywrightTestConfig } from '@playwright/test';
import { CHROMIUM, DEMO_PASSWORD } from './e2e/env';

const sqliteOnly = process.env.E2E_SQLITE_ONLY === '1';
const requirePostgres = process.env.SEATDESK_REQUIRE_POSTGRES === '1';
const postgresURL = process.env.E2E_DATABASE_URL || process.env.TEST_DATABASE_URL || '';

if (sqliteOnly && requirePostgres) {
  throw new Error('E2E_SQLITE_ONLY=1 is refused when SEATDESK_REQUIRE_POSTGRES=1: the postgres project must run.');
}
if (!sqliteOnly && !postgresURL) {
  throw new Error(
    'The postgres project needs a PostgreSQL server: set E2E_DATABASE_URL or TEST_DATABASE_URL ' +
      '(e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), ' +
      'or set E2E_SQLITE_ONLY=1 for a quick SQLite-only run.',
  );
}
if (!fs.existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium). Playwright never downloads a browser here.`);
}

const host = '127.0.0.1';
const ports = {
  sqlite: Number(process.env.E2E_SQLITE_PORT || 4417),
  postgres: Number(process.env.E2E_POSTGRES_PORT || 4418),
};
type Kind = keyof typeof ports;
const kinds: Kind[] = sqliteOnly ? ['sqlite'] : ['sqlite', 'postgres'];
const baseURL = (kind: Kind) => `http://${host}:${ports[kind]}`;

const webServer = (kind: Kind): Extract<PlaywrightTestConfig['webServer'], { command: string }> => ({
  command: `bash e2e/serve.sh ${kind} ${host}:${ports[kind]}`,
  url: `${baseURL(kind)}/healthz`,
  name: kind,
  // Never test a server some other run left behind: its data may have changed.
  reuseExistingServer: false,
  timeout: 60_000,
  // SIGTERM lets e2e/serve.sh drop the PostgreSQL database / the SQLite file.
  gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  stdout: process.env.E2E_SERVER_LOG === '1' ? 'pipe' : 'ignore',
  stderr: 'pipe',
  env: {
    SEATDESK_DEMO_PASSWORD: DEMO_PASSWORD,
    SEATDESK_BASE_URL: baseURL(kind),
    // Warnings and errors (a 500's log line) still show.
    LOG_LEVEL: process.env.E2E_SERVER_LOG === '1' ? 'info' : 'warn',
    ...(kind === 'postgres' ? { E2E_DATABASE_URL: postgresURL } : {}),
  },
});

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // Every page is read-only so far: any test may run beside any other.
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  globalTimeout: 22 * 60_000,
  reporter: [['list'], ['json', { outputFile: 'playwright-report/results.json' }]],
  use: {
    browserName: 'chromium',
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1280, height: 800 },
    actionTimeout: 5_000,
    navigationTimeout: 10_000,
    // Traces cost CPU on every test; ask for them when a failure needs one.
    trace: process.env.E2E_TRACE === '1' ? 'retain-on-failure' : 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: kinds.map((kind) => ({
    name: kind,
    use: { baseURL: baseURL(kind) },
    // What depends on the database (sign-in and sessions, permissions, seat
    // numbers, billing, members search and filters) runs on both; languages,
    // page health, screenshots and the accessibility sweep (a11y.spec.ts:
    // axe-core on every page) render the same pages and run once. Every test
    // on both is still watched for console errors, CSP violations and "⟦".
    ...(kind === 'sqlite' ? {} : { testIgnore: ['**/i18n.spec.ts', '**/health.spec.ts', '**/screenshots.spec.ts', '**/a11y.spec.ts'] }),
  })),
  webServer: kinds.map(webServer),
});
