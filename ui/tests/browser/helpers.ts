// Shared set-up of the browser tests: Debian chromium through playwright-core, the static server,
// the mock backend fixture, and screenshots into <repo>/target/screenshots/.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server';

const here = fileURLToPath(new URL('.', import.meta.url));
export const screenshotDir = resolve(here, '../../../target/screenshots');

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export interface Env {
  ctx: BrowserContext;
  url: string;
  close(): Promise<void>;
}

export async function setup(): Promise<Env> {
  const srv = await startServer({ harness: true });
  // A fresh profile for every run.
  const userDataDir = mkdtempSync(join(tmpdir(), 'anemone-ui-chromium-'));
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // One persistent context (a fresh profile); each test opens its own page with its own mocks.
  const env: Env = {
    ctx,
    url: srv.url,
    async close() {
      await ctx.close();
      await srv.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
  return env;
}

export interface Fixture {
  responses?: Record<string, unknown>;
}

/** Opens the app with a scripted backend. */
export async function open(env: Env, fixture: Fixture, opts: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Page> {
  const ctx = env.ctx;
  const page = await ctx.newPage();
  await page.setViewportSize({ width: opts.width ?? 1100, height: opts.height ?? 760 });
  await page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light' });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // All assets are local: anything fetched from elsewhere (CDN, fonts) counts as an error.
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(env.url) && !u.startsWith('data:')) errors.push(`external request: ${u}`);
  });
  (page as Page & { jsErrors: string[] }).jsErrors = errors;
  await page.addInitScript((fx) => {
    (window as unknown as { __FIXTURE__: unknown }).__FIXTURE__ = fx;
  }, fixture);
  await page.goto(env.url);
  return page;
}

export function jsErrors(page: Page): string[] {
  return (page as Page & { jsErrors: string[] }).jsErrors;
}

export interface Call {
  cmd: string;
  args: Record<string, unknown>;
}

export async function calls(page: Page, cmd?: string): Promise<Call[]> {
  const all = (await page.evaluate(() => (window as unknown as { __CALLS__: Call[] }).__CALLS__)) as Call[];
  return cmd ? all.filter((c) => c.cmd === cmd) : all;
}

export async function setResponse(page: Page, cmd: string, value: unknown) {
  await page.evaluate(
    ([c, v]) => {
      const w = window as unknown as { __FIXTURE__: { responses?: Record<string, unknown> } };
      w.__FIXTURE__.responses = { ...(w.__FIXTURE__.responses ?? {}), [c as string]: v };
    },
    [cmd, value] as const,
  );
}

export async function emit(page: Page, event: string, payload: unknown) {
  await page.evaluate(([e, p]) => (window as unknown as { __emit: (e: unknown, p: unknown) => Promise<void> }).__emit(e, p), [event, payload] as const);
}

/** The page as it is now, at 1024x700 in the light and the dark scheme:
 * `<name>-light.png` and `<name>-dark.png` (the viewport and scheme are put back after). */
export async function screenshot(page: Page, name: string) {
  mkdirSync(screenshotDir, { recursive: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1024, height: 700 });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: join(screenshotDir, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: null });
  if (size) await page.setViewportSize(size);
}

// ---- Sample data ----

const now = Date.UTC(2026, 10, 22, 9, 30);

export function run(id: number, job = 'Documents', extra: Record<string, unknown> = {}) {
  return {
    id,
    job,
    started_at_ms: now - id * 3_600_000,
    ended_at_ms: now - id * 3_600_000 + 42_000 + (id % 7) * 1000,
    status: id % 10 === 3 ? 'partial' : id % 25 === 0 ? 'failed' : 'success',
    dry_run: false,
    uploaded: id % 5,
    downloaded: id % 3,
    deleted_local: 0,
    deleted_remote: id % 4 === 0 ? 1 : 0,
    moved_local: 0,
    moved_remote: 0,
    conflicts: 0,
    skipped: 0,
    bytes_up: (id % 5) * 1_048_576,
    bytes_down: (id % 3) * 524_288,
    message: null,
    errors:
      id % 10 === 3
        ? [
            {
              path: `Reports/q${id}.xlsx`,
              message: `"Reports/q${id}.xlsx" is in use on the server. It will be synced once it is closed.`,
              detail: `smb://nas.local/files/Reports/q${id}.xlsx: open failed: Sharing Violation (0xc0000043)`,
            },
            { path: `Reports/big${id}.iso`, message: 'Not enough space on the server.', detail: null },
          ]
        : [],
    notes: id % 10 === 3 ? [{ path: 'link', message: 'not synced: symbolic link (local side)' }] : [],
    ...extra,
  };
}

export function job(id: number, name: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name,
    local_path: `/home/me/${name}`,
    remote_url: `smb://me@nas.local/files/${name}`,
    mode: 'two-way',
    conflict_policy: 'keep-both',
    excludes: ['*.tmp'],
    max_delete_percent: 50,
    enabled: true,
    parallel: 4,
    trash_retention_days: 30,
    when: { trigger: 'realtime', interval_minutes: 60, times: [], days: [] },
    encryption: 'auto',
    state: 'idle',
    last_run: run(1, name),
    next_sync_ms: Date.now() + 5 * 60_000,
    pending_conflicts: 0,
    needs_password: false,
    security: { encrypted: false, signed: true },
    ...extra,
  };
}

export function sampleJobs() {
  return [
    job(1, 'Documents'),
    job(2, 'Photos', { state: 'conflict', pending_conflicts: 2, mode: 'upload' }),
    job(3, 'Projects', { state: 'offline', last_run: run(2, 'Projects', { status: 'failed', message: 'The server nas.local cannot be reached.' }), next_sync_ms: null }),
    job(4, 'Archive', { enabled: false, state: 'paused', mode: 'download' }),
  ];
}
