// A server of one's own, for the specs that CHANGE data (buy seats, move and
// remove members, invite). The other specs share the two servers of
// playwright.config.ts and expect the demo data unchanged; a spec that uses
// this file instead starts the real binary (bin/seatdesk, built by `make
// build`) on a FRESH database with the demo data, in test.beforeAll, and
// stops it and throws the database away in test.afterAll:
//
//   project sqlite    a new SQLite file in a new temp directory
//   project postgres  a new database created (psql) on the server of
//                     E2E_DATABASE_URL / TEST_DATABASE_URL, dropped after
//
//   import { freshServer, test } from './fresh';
//   const server = freshServer();            // registers beforeAll/afterAll
//   test.describe.configure({ mode: 'serial' });
//   test('…', async ({ page }) => { await page.goto('/orgs/acme'); … });
//
// The `test` exported here is support.ts's (every page watched for console
// errors, CSP violations and "⟦"), with baseURL pointing at this file's own
// server: page.goto('/…'), page.request and openPage() reach it, never the
// shared servers. A test that runs before the server started fails instead
// of changing the shared servers' data (its baseURL is a closed port).
//
// Also here: signInFresh (sign in without the form), and Mailbox, a real SMTP
// server in the test process that receives what the app sends.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from '@playwright/test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { DEMO_PASSWORD } from './env';
import { expect, test as base, type Lang } from './support';

export { expect };

const run = promisify(execFile);
const HOST = '127.0.0.1';
const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'seatdesk');

const NOT_STARTED = `http://${HOST}:9`;

/** The server of the spec file running in this worker (one file at a time per worker). */
let current: FreshServer | undefined;

export const test = base.extend({
  // Playwright also reads baseURL once before beforeAll: until this file's
  // server runs, a closed port (9, discard) stands in, so that nothing can
  // reach the shared servers by mistake.
  baseURL: async ({}, use) => {
    await use(current?.url || NOT_STARTED);
  },
});

export type FreshOptions = {
  /** More environment for the server, read when it starts (e.g. SEATDESK_SMTP_URL of a Mailbox started in an earlier beforeAll). */
  env?: () => Record<string, string>;
};

/** Starts a fresh server for this spec file (beforeAll) and stops it (afterAll). */
export function freshServer(options: FreshOptions = {}): FreshServer {
  const server = new FreshServer();
  test.beforeAll(async ({}, testInfo) => {
    testInfo.setTimeout(90_000);
    const kind = testInfo.project.name;
    if (kind !== 'sqlite' && kind !== 'postgres') throw new Error(`e2e/fresh.ts: unknown project ${kind} (sqlite or postgres)`);
    await server.start(kind, options.env?.() ?? {});
    current = server;
  });
  test.afterAll(async ({}, testInfo) => {
    testInfo.setTimeout(60_000);
    if (current === server) current = undefined;
    await server.stop();
  });
  return server;
}

export class FreshServer {
  url = '';
  /** The server's DATABASE_URL, for operator commands (command()). */
  databaseURL = '';
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  private log = '';
  private cleanups: (() => Promise<void>)[] = [];

  async start(kind: 'sqlite' | 'postgres', extraEnv: Record<string, string>) {
    if (!fs.existsSync(BIN)) throw new Error(`${BIN} is missing: run 'make build' (or 'make e2e') first`);
    const databaseURL = kind === 'sqlite' ? this.sqliteDatabase() : await this.postgresDatabase();
    this.databaseURL = databaseURL;
    const port = await freePort();
    this.url = `http://${HOST}:${port}`;
    const child = spawn(BIN, ['serve', '-migrate', '-demo'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: databaseURL,
        SEATDESK_ADDR: `${HOST}:${port}`,
        SEATDESK_BASE_URL: this.url,
        SEATDESK_DEMO_PASSWORD: DEMO_PASSWORD,
        // Warnings and errors only (a 500's log line); E2E_SERVER_LOG=1 shows requests too.
        LOG_LEVEL: process.env.E2E_SERVER_LOG === '1' ? 'info' : 'warn',
        SEATDESK_SMTP_URL: '',
        ...extraEnv,
      },
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    // Should the worker die without afterAll (killed at the global timeout),
    // the server must not outlive it.
    const orphan = () => child.kill('SIGKILL');
    process.once('exit', orphan);
    void this.exited.then(() => process.off('exit', orphan));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.log = (this.log + chunk).slice(-20_000);
      process.stderr.write(chunk.replace(/^(?=.)/gm, `[fresh ${kind} :${port}] `));
    });
    await this.waitHealthy();
  }

  private sqliteDatabase() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatdesk-e2e-fresh-'));
    this.cleanups.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
    return path.join(dir, 'seatdesk.db');
  }

  private async postgresDatabase() {
    const admin = process.env.E2E_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
    if (!/^postgres(ql)?:\/\//.test(admin)) {
      throw new Error('e2e/fresh.ts: the postgres project needs E2E_DATABASE_URL or TEST_DATABASE_URL (a postgres:// URL)');
    }
    const name = `seatdesk_e2e_fresh_${Date.now()}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const psql = (sql: string) => run('psql', [admin, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 });
    await psql(`CREATE DATABASE ${name}`);
    this.cleanups.push(async () => {
      await psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
    // The same server and credentials, another database: swap the URL's path.
    const url = new URL(admin);
    url.pathname = `/${name}`;
    return url.toString();
  }

  private async waitHealthy() {
    const deadline = Date.now() + 60_000;
    let exitCode: number | null | undefined;
    void this.exited!.then((code) => (exitCode = code));
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`bin/seatdesk exited (${exitCode}) before it was healthy:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`bin/seatdesk was not healthy on ${this.url}/healthz within 60 s:\n${this.log}`);
  }

  /** Runs bin/seatdesk with this server's database, as an operator would (e.g. renew, plan migrate); returns its output. */
  async command(...args: string[]): Promise<string> {
    const { stdout } = await run(BIN, args, {
      cwd: ROOT,
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: this.databaseURL, SEATDESK_BASE_URL: this.url, SEATDESK_SMTP_URL: '', LOG_LEVEL: 'warn' },
    });
    return stdout;
  }

  async stop() {
    const child = this.child;
    this.child = undefined;
    try {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const stopped = await Promise.race([this.exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
        if (!stopped) {
          child.kill('SIGKILL');
          await this.exited;
        }
      }
    } finally {
      for (const cleanup of this.cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (err) {
          console.error(`e2e/fresh.ts: cleanup failed: ${err}`);
        }
      }
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Signs in without the form (POST /login on the page's own cookie jar) and
 * opens path in lang (?lang= is remembered in a cookie).
 */
export async function signInFresh(page: Page, who: string, path: string, lang: Lang = 'en', password = DEMO_PASSWORD) {
  await page.context().clearCookies();
  // argon2id is slow by design, and slower on a busy machine: room for it,
  // never a condition on time.
  const res = await page.request.post('/login', { form: { email: who, password, next: '/' }, maxRedirects: 0, timeout: 30_000 });
  expect(res.status(), `sign-in of ${who}`).toBe(303);
  const sep = path.includes('?') ? '&' : '?';
  await page.goto(`${path}${sep}lang=${lang}`);
}

/** Marks the window: a full page load loses the mark, an htmx swap keeps it. */
export async function markWindow(page: Page) {
  await page.evaluate(() => ((window as unknown as { __e2eMark: string }).__e2eMark = 'still here'));
}
export async function expectSameWindow(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { __e2eMark?: string }).__e2eMark), 'the page was fully reloaded').toBe('still here');
}

/** Waits until htmx is loaded (before using what it drives). */
export async function htmxReady(page: Page) {
  await page.waitForFunction(() => typeof (window as unknown as { htmx?: unknown }).htmx === 'object');
}

/**
 * R-SEAT-3: quantity × monthly price × 12 × remaining / term days, rounded
 * half-up to the minor unit, on integers.
 */
export function prorate(quantity: number, priceMinor: number, remaining: number, termDays: number): number {
  const num = BigInt(quantity) * BigInt(priceMinor) * 12n * BigInt(remaining);
  const den = BigInt(termDays);
  return Number((2n * num + den) / (2n * den));
}

/**
 * The demo organizations' term (models/demo.go): started 100 days before
 * today (UTC), one year long; remaining days count today.
 */
export function demoTerm() {
  const DAY = 86_400_000;
  const now = new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const start = new Date(today - 100 * DAY);
  // Like Go's AddDate(1, 0, 0): 29 February + 1 year = 1 March.
  const end = Date.UTC(start.getUTCFullYear() + 1, start.getUTCMonth(), start.getUTCDate());
  return { start, end: new Date(end), termDays: Math.round((end - start.getTime()) / DAY), remaining: Math.round((end - today) / DAY) };
}

const MONTHS: Record<Lang, string[]> = {
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
  it: ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
};

/** A date as the app writes it in full (locales/*.toml date.long). */
export function longDate(d: Date, lang: Lang): string {
  const month = MONTHS[lang][d.getUTCMonth()];
  return lang === 'en' ? `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()}` : `${d.getUTCDate()} ${month} ${d.getUTCFullYear()}`;
}

export type Mail = { to: string; subject: string; text: string };

/**
 * A real SMTP server in the test process (smtp-server, no TLS, no auth):
 * point the app at it with SEATDESK_SMTP_URL = mailbox.smtpURL.
 */
export class Mailbox {
  readonly messages: Mail[] = [];
  private server?: SMTPServer;
  private port = 0;
  private parsing: Promise<unknown>[] = [];

  get smtpURL() {
    return `smtp://${HOST}:${this.port}?tls=none`;
  }

  async start() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, callback) => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const parsed = simpleParser(stream).then(
          (mail) => {
            for (const addr of to) this.messages.push({ to: addr, subject: mail.subject ?? '', text: mail.text ?? '' });
            callback();
          },
          (err: Error) => callback(err),
        );
        this.parsing.push(parsed);
      },
    });
    this.port = await freePort();
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, HOST, () => resolve());
    });
  }

  async stop() {
    await Promise.allSettled(this.parsing);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The messages received for this address, oldest first. */
  to(address: string): Mail[] {
    return this.messages.filter((m) => m.to === address.toLowerCase());
  }

  /** Waits for the count-th message (1 = the first) to this address. */
  async waitFor(address: string, count = 1): Promise<Mail> {
    await expect.poll(() => this.to(address).length, { message: `email number ${count} to ${address}`, timeout: 10_000 }).toBeGreaterThanOrEqual(count);
    return this.to(address)[count - 1];
  }
}

/** The invitation link in an email's text (<SEATDESK_BASE_URL>/invitations/<token>). */
export function invitationLink(mail: Mail, baseURL: string): string {
  const escaped = baseURL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = mail.text.match(new RegExp(`${escaped}/invitations/[A-Za-z0-9_-]+`));
  expect(match, `an invitation link in: ${mail.text}`).not.toBeNull();
  return match![0];
}
