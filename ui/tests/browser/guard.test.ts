// Issue 16: a delete-guard stop is a decision. The job card says what would be deleted and
// opens a dialog with the count, the first paths, the size and the three answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { calls, emit, jsErrors, job, open, screenshot, setResponse, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const paths = Array.from({ length: 20 }, (_, i) => `Reports/2026/q${String(i).padStart(2, '0')}.xlsx`);
const stop = {
  side: 'remote',
  count: 24,
  bytes: 3_450_000,
  paths,
  folder_changed: false,
  what: 'This run would delete 24 of the 30 files on the remote (80%), more than the job\'s limit of 50%, because they are gone from the local side.',
};

function jobs(extra: Record<string, unknown> = {}) {
  return [
    job(1, 'Documents', {
      state: 'needs_you',
      message: '24 files would be deleted on the server',
      needs_you: stop,
      ...extra,
    }),
    job(2, 'Photos'),
  ];
}

async function openDialog(page: Page) {
  await page.getByRole('button', { name: 'Decide what happens to the files Documents would delete' }).click();
  await page.getByTestId('guard-dialog').getByRole('heading', { name: 'Documents: 24 files would be deleted on the server' }).waitFor();
}

describe('needs you (delete guard)', () => {
  it('shows the state on the card and in the header', async () => {
    const page = await open(env, { responses: { list_jobs: jobs(), needs_you: stop } });
    const card = page.getByTestId('job-1');
    await card.getByTestId('job-needs-you').waitFor();
    expect(await card.getByTestId('job-state').textContent()).toBe('needs you');
    await expect.poll(() => card.getByTestId('job-needs-you').textContent()).toContain('Needs you: 24 files would be deleted on the server.');
    expect(await page.getByTestId('job-2').getByTestId('job-needs-you').count()).toBe(0);
    await emit(page, 'app-state', { state: 'needs_you', summary: 'Documents needs you: 24 files would be deleted on the server' });
    await page.getByTestId('app-state').getByText('Documents needs you: 24 files would be deleted on the server').waitFor();
    expect(await page.getByTestId('app-state').getAttribute('data-state')).toBe('needs_you');
    await screenshot(page, 'needs-you-card');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('lists what would be deleted and sends each answer', async () => {
    for (const [label, decision] of [
      ['Delete them on the other side too', 'delete_on_other_side'],
      ['Restore them from the other side', 'restore_missing'],
      ['Decide later', 'later'],
    ] as const) {
      const page = await open(env, { responses: { list_jobs: jobs(), needs_you: stop } });
      await openDialog(page);
      const dlg = page.getByTestId('guard-dialog');
      // The size in the app's one byte format (whatever its units): a number and a unit.
      await expect.poll(() => dlg.getByTestId('guard-size').textContent()).toMatch(/^24 files, 3\.[2-5] [MmKk]i?B in all; the first 20:$/);
      const items = dlg.getByTestId('guard-paths').locator('li');
      expect(await items.count()).toBe(21);
      expect(await items.first().textContent()).toBe('Reports/2026/q00.xlsx');
      expect(await items.last().textContent()).toBe('…and 4 more');
      if (decision === 'restore_missing') await screenshot(page, 'needs-you-dialog');
      await dlg.getByRole('button', { name: label }).click();
      await expect.poll(async () => (await calls(page, 'decide')).map((c) => c.args)).toEqual([{ jobId: 1, decision }]);
      await expect.poll(() => page.getByTestId('guard-dialog').count()).toBe(0);
      expect(await calls(page, 'needs_you')).toEqual([{ cmd: 'needs_you', args: { jobId: 1 } }]);
      expect(jsErrors(page)).toEqual([]);
      await page.close();
    }
  });

  it('says when the local folder is not the synced one, and Escape decides later', async () => {
    const missing = { ...stop, count: 3, paths: ['a.txt', 'b.txt', 'c.txt'], bytes: 1200, folder_changed: true, what: 'The local folder is missing but 3 files were synced from it before; is the disk mounted? This run would delete 3 files on the remote.' };
    const page = await open(env, { responses: { list_jobs: jobs({ needs_you: missing }), needs_you: missing } });
    await page.getByRole('button', { name: 'Decide what happens to the files Documents would delete' }).click();
    const dlg = page.getByTestId('guard-dialog');
    await dlg.getByTestId('guard-folder').getByText(/is the disk mounted\?/).waitFor();
    await expect.poll(() => dlg.getByTestId('guard-size').textContent()).toMatch(/^3 files, 1\.[12] [kK]i?B in all:$/);
    expect(await dlg.getByTestId('guard-paths').locator('li').count()).toBe(3);
    await screenshot(page, 'needs-you-dialog-folder');
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await calls(page, 'decide')).map((c) => c.args)).toEqual([{ jobId: 1, decision: 'later' }]);
    await page.close();
  });

  it('keeps the dialog open with the reason when the answer fails', async () => {
    const page = await open(env, { responses: { list_jobs: jobs(), needs_you: stop } });
    await setResponse(page, 'decide', { __reject: { kind: 'not_found', message: 'This job is no longer waiting for a decision: nothing was changed.' } });
    await openDialog(page);
    await page.getByTestId('guard-dialog').getByRole('button', { name: 'Restore them from the other side' }).click();
    await page.getByTestId('guard-dialog').getByRole('alert').getByText('This job is no longer waiting for a decision').waitFor();
    await page.close();
  });
});
