import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, job, jsErrors, open, screenshot, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const counts = (extra: Record<string, number>) => ({
  uploads: 0,
  downloads: 0,
  replaced: 0,
  deleted: 0,
  conflicts: 0,
  to_compare: 0,
  bytes: 0,
  compare_bytes: 0,
  ...extra,
});

const preview = {
  merge: counts({ uploads: 12, downloads: 30, conflicts: 3, to_compare: 40, bytes: 52_000_000, compare_bytes: 8_000_000 }),
  local_wins: counts({ uploads: 12, replaced: 3, deleted: 30, to_compare: 40, bytes: 14_000_000, compare_bytes: 8_000_000 }),
  remote_wins: counts({ downloads: 30, replaced: 3, deleted: 12, to_compare: 40, bytes: 41_000_000, compare_bytes: 8_000_000 }),
  local_files: 55,
  remote_files: 73,
};

const waiting = () => [
  job(1, 'Documents', { state: 'first-sync', message: 'both folders hold files', last_run: null }),
  job(2, 'Photos'),
];

describe('first sync of two folders that both hold files', () => {
  it('asks with the counts of each choice, merge preselected, and runs the one chosen', async () => {
    const page = await open(env, { responses: { list_jobs: waiting(), first_sync_preview: preview } });
    const dialog = page.getByRole('dialog', { name: /First sync of “Documents”/ });
    await dialog.waitFor();
    await dialog.getByText('55 files on this computer, 73 files on the server').waitFor();
    expect(await dialog.getByRole('radio', { name: /Merge both folders/ }).isChecked()).toBe(true);
    expect(await dialog.getByTestId('fs-counts-merge').textContent()).toContain('12 files copied to the server · 30 files copied here · 3 conflicts');
    expect(await dialog.getByTestId('fs-counts-local-wins').textContent()).toContain('30 files moved to the trash');
    expect(await dialog.getByTestId('fs-counts-remote-wins').textContent()).toContain('12 files moved to the trash');
    expect(await dialog.getByTestId('fs-counts-remote-wins').textContent()).toContain('3 files replaced (old version to the trash)');
    expect(await dialog.getByTestId('fs-counts-merge').textContent()).toContain('40 files of the same size compared first');
    expect((await calls(page, 'first_sync_preview'))[0].args).toEqual({ jobId: 1 });
    await screenshot(page, 'first-sync-dialog');
    await dialog.getByRole('radio', { name: /Server wins/ }).check();
    await dialog.getByRole('button', { name: 'Start first sync' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await calls(page, 'choose_first_sync')).map((c) => c.args)).toEqual([{ jobId: 1, choice: 'remote-wins' }]);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('can be put off: the card keeps saying the job waits, and reopens the dialog', async () => {
    const page = await open(env, { responses: { list_jobs: waiting(), first_sync_preview: preview } });
    const dialog = page.getByRole('dialog', { name: /First sync of “Documents”/ });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Decide later' }).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByTestId('job-1');
    expect(await card.getByTestId('job-state').textContent()).toBe('first-sync');
    await card.getByTestId('job-first-sync').getByText('waits for you to choose').waitFor();
    await screenshot(page, 'first-sync-waiting');
    expect(await calls(page, 'choose_first_sync')).toEqual([]);
    await card.getByRole('button', { name: 'Choose how to do the first sync of Documents' }).click();
    await dialog.waitFor();
    await dialog.getByRole('radio', { name: /This computer wins/ }).check();
    await dialog.getByRole('button', { name: 'Start first sync' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await calls(page, 'choose_first_sync')).map((c) => c.args)).toEqual([{ jobId: 1, choice: 'local-wins' }]);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('says so when there is nothing left to choose', async () => {
    const page = await open(env, { responses: { list_jobs: waiting(), first_sync_preview: null } });
    const dialog = page.getByRole('dialog', { name: /First sync of “Documents”/ });
    await dialog.getByText('There is nothing to choose any more').waitFor();
    expect(await dialog.getByRole('button', { name: 'Start first sync' }).isDisabled()).toBe(true);
    await page.close();
  });
});
