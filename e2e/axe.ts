// axe-core (npm, pinned in package.json) in the browser tests: WCAG 2.0, 2.1
// and 2.2 A and AA rules on the page as it is now (after an htmx swap too).
//
//   import { expectNoAxeViolations } from './axe';
//   await expectNoAxeViolations(page, 'Organization, it, 390 px');
//
// The pages' Content-Security-Policy allows no inline script, so
// page.addScriptTag (an inline <script>) is refused; axe.min.js is evaluated
// through the DevTools protocol instead, which the CSP does not govern.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './support';

const AXE_PATH = path.resolve(__dirname, '..', 'node_modules', 'axe-core', 'axe.min.js');
let source: string | undefined;

/** The rule sets run: WCAG 2.2 AA and everything below it. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export type AxeViolation = {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; summary: string }[];
};

/** Runs axe-core on the whole document; returns its violations (none is good). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) {
    source ??= fs.readFileSync(AXE_PATH, 'utf8');
    await page.evaluate(source);
  }
  return page.evaluate(async (tags) => {
    type Node = { target: unknown[]; failureSummary?: string };
    type Result = { id: string; impact: string | null; help: string; nodes: Node[] };
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Result[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 300) })),
    }));
  }, AXE_TAGS);
}

/** Fails with a readable list when axe-core finds anything. */
export async function expectNoAxeViolations(page: Page, where: string) {
  const violations = await axeViolations(page);
  const text = violations
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n` + v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')}: ${n.summary}`).join('\n'))
    .join('\n');
  expect(violations.length, `axe-core on ${where}:\n${text}`).toBe(0);
}
