// The app's states as the header and job cards show them (issue 16, part 5): no jobs, every job
// disabled, paused, offline then back, a job that syncs on every change, Sync now on a paused
// job, and the prompt before unsaved job edits are dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { calls, emit, job, jsErrors, open, run, screenshot, setResponse, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const appState = (state: string, summary: string, jobs: number, enabled: number, paused: number) => ({
  state,
  summary,
  jobs,
  enabled_jobs: enabled,
  paused_jobs: paused,
});

async function text(l: Locator): Promise<string> {
  return ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
}

async function headerButtons(page: Page) {
  const b = (name: string) => page.getByRole('button', { name, exact: true }).isEnabled();
  return { sync: await b('Sync all jobs now'), pause: await b('Pause all jobs'), resume: await b('Resume all jobs') };
}

describe('states', () => {
  it('no jobs: its own state, Sync all / Pause all off, and a way to add one', async () => {
    const page = await open(env, { responses: { get_app_state: appState('idle', 'No sync jobs yet: add a sync job', 0, 0, 0) } });
    await page.getByRole('heading', { name: 'Set up your first sync' }).waitFor();
    const header = page.getByTestId('app-state');
    await expect.poll(() => header.getAttribute('data-state')).toBe('no-jobs');
    expect(await text(header)).toBe('No sync jobs yet: add a sync job');
    expect(await text(header)).not.toMatch(/up to date/i);
    expect(await headerButtons(page)).toEqual({ sync: false, pause: false, resume: false });
    await page.getByTestId('add-first-job').waitFor();
    await screenshot(page, 'state-no-jobs');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('the only job disabled: said so in the header and on the card, never "up to date"', async () => {
    const only = job(1, 'Documents', { enabled: false, state: 'paused', last_run: run(1, 'Documents') });
    const page = await open(env, {
      responses: { list_jobs: [only], get_app_state: appState('paused', 'Documents is disabled: nothing syncs', 1, 0, 0) },
    });
    const card = page.getByTestId('job-1');
    await card.waitFor();
    const header = page.getByTestId('app-state');
    await expect.poll(() => header.getAttribute('data-state')).toBe('all-disabled');
    expect(await text(header)).toBe('Documents is disabled: nothing syncs');
    expect(await headerButtons(page)).toEqual({ sync: false, pause: false, resume: false });
    expect(await text(card.getByTestId('job-state'))).toBe('disabled');
    expect(await text(card.getByTestId('job-next'))).toBe('Disabled: does not sync');
    const syncNow = card.getByRole('button', { name: 'Sync Documents now' });
    expect(await syncNow.isEnabled()).toBe(false);
    expect(await syncNow.getAttribute('title')).toBe('The job is disabled: enable it to sync.');
    await screenshot(page, 'state-disabled');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('paused: "Paused" once, Resume all on, Sync all off, and the job\'s Sync now runs it once', async () => {
    const paused = job(1, 'Documents', { state: 'paused' });
    const page = await open(env, { responses: { list_jobs: [paused], get_app_state: appState('paused', 'Paused', 1, 1, 1) } });
    const card = page.getByTestId('job-1');
    await card.waitFor();
    const header = page.getByTestId('app-state');
    await expect.poll(() => text(header)).toBe('Paused');
    // Not "Paused Paused": the state is a colour dot, the word comes once.
    expect((await text(header)).match(/paused/gi)?.length).toBe(1);
    expect(await headerButtons(page)).toEqual({ sync: false, pause: false, resume: true });
    expect(await text(card.getByTestId('job-next'))).toBe('Paused: syncs when resumed');
    const syncNow = card.getByRole('button', { name: 'Sync Documents now' });
    expect(await syncNow.isEnabled()).toBe(true);
    expect(await syncNow.getAttribute('title')).toBe('Runs one sync now; the job stays paused.');
    await syncNow.click();
    await card.getByTestId('job-note').getByText('Syncing Documents once; it stays paused.').waitFor();
    expect((await calls(page, 'sync_now')).map((c) => c.args)).toEqual([{ jobId: 1 }]);
    await screenshot(page, 'state-paused');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('offline, then back: the stale "(offline)" goes from the card and the header', async () => {
    const outage = run(1, 'Documents', { status: 'offline', ended_at_ms: null, message: 'The server nas.local cannot be reached.' });
    const offline = job(1, 'Documents', { state: 'offline', message: 'The server nas.local cannot be reached.', last_run: outage });
    const page = await open(env, {
      responses: { list_jobs: [offline], get_app_state: appState('offline', 'Offline: The server nas.local cannot be reached.', 1, 1, 0) },
    });
    const card = page.getByTestId('job-1');
    await card.waitFor();
    await expect.poll(() => text(card.getByTestId('job-last'))).toMatch(/^Offline since /);
    await expect.poll(() => page.getByTestId('app-state').getAttribute('data-state')).toBe('offline');
    await screenshot(page, 'state-offline');

    // The server is back: the job list and the app state say so.
    const back = { ...offline, state: 'idle', message: null, last_run: { ...outage, ended_at_ms: outage.started_at_ms + 120_000 } };
    await setResponse(page, 'list_jobs', [back]);
    await emit(page, 'engine-event', { type: 'job_state', job: 'Documents', state: 'idle', message: null });
    await emit(page, 'app-state', appState('idle', 'Up to date, synced just now', 1, 1, 0));
    await expect.poll(() => text(card.getByTestId('job-last'))).toMatch(/^Back online since /);
    expect(await text(card)).not.toMatch(/\(offline\)/);
    expect(await text(page.getByTestId('app-state'))).toBe('Up to date, synced just now');
    expect(await text(card.getByTestId('job-state'))).toBe('idle');
    await screenshot(page, 'state-back-online');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('syncs on every change instead of "not scheduled"; an interval job shows its next time', async () => {
    const jobs = [
      job(1, 'Documents', { next_sync_ms: null }),
      job(2, 'Photos', { when: { trigger: 'interval', interval_minutes: 30, times: [], days: [] }, next_sync_ms: Date.now() + 5 * 60_000 }),
      job(3, 'Archive', { when: { trigger: 'manual', interval_minutes: 60, times: [], days: [] }, next_sync_ms: null }),
    ];
    const page = await open(env, { responses: { list_jobs: jobs } });
    await page.getByTestId('job-1').waitFor();
    expect(await text(page.getByTestId('job-1').getByTestId('job-next'))).toBe('Syncs on every change');
    expect(await text(page.getByTestId('job-2').getByTestId('job-next'))).toMatch(/^Next sync: in [45] min/);
    expect(await text(page.getByTestId('job-3').getByTestId('job-next'))).toBe('Syncs when you press Sync now');
    expect(await text(page.locator('body'))).not.toMatch(/not scheduled/);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('an error with a long reason: the header wraps it whole, never cut', async () => {
    const reason =
      'the server nas.example.org refused the connection on port 445; check that the server is on and that its firewall lets SMB through, then press Sync now';
    const page = await open(env, {
      responses: { list_jobs: [job(1, 'Documents', { state: 'error', message: reason })], get_app_state: appState('error', `Documents failed: ${reason}`, 1, 1, 0) },
    });
    const summary = page.getByTestId('app-summary');
    await expect.poll(() => text(summary)).toBe(`Documents failed: ${reason}`);
    for (const size of [
      { width: 1024, height: 700 },
      { width: 1600, height: 1000 },
    ]) {
      await page.setViewportSize(size);
      const clipped = await summary.evaluate((el) => el.scrollWidth > el.clientWidth || el.scrollHeight > el.clientHeight + 1);
      expect(clipped, `summary clipped at ${size.width}x${size.height}`).toBe(false);
    }
    await screenshot(page, 'state-error-long');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });
});

describe('unsaved edits', () => {
  it('leaving the job form with edits asks first; Cancel keeps them, Discard drops them', async () => {
    const page = await open(env, { responses: { list_jobs: [job(1, 'Documents')] } });
    await page.getByRole('button', { name: 'Edit Documents' }).click();
    await page.getByRole('heading', { name: 'Edit “Documents”' }).waitFor();

    // Untouched: leaving does not ask.
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);

    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.getByRole('button', { name: 'Edit Documents' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Documents 2');
    await page.getByRole('tab', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Discard your changes?' });
    await dialog.waitFor();
    await screenshot(page, 'unsaved-edits-prompt');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Still on the form, the edit still there.
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Documents 2');
    expect(await page.getByRole('tab', { name: 'Jobs' }).getAttribute('aria-selected')).toBe('true');

    // The form's own Cancel asks too.
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('Documents 2');

    // Discard: the page changes and the edit is gone.
    await page.getByRole('tab', { name: 'Settings' }).click();
    await dialog.getByRole('button', { name: 'Discard changes' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Documents', exact: true }).waitFor();
    expect(await calls(page, 'update_job')).toEqual([]);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('the shell asking for another page (tray, notification click) asks too', async () => {
    const page = await open(env, { responses: { list_jobs: [job(1, 'Documents')] } });
    await page.getByRole('button', { name: 'Add job' }).click();
    await page.getByLabel('Name', { exact: true }).fill('New');
    await emit(page, 'navigate', { view: 'conflicts' });
    const dialog = page.getByRole('dialog', { name: 'Discard your changes?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Discard changes' }).click();
    await expect.poll(() => page.getByRole('tab', { name: 'Conflicts' }).getAttribute('aria-selected')).toBe('true');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });
});
