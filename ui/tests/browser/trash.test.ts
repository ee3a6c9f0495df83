import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, jsErrors, open, run, sampleJobs, screenshot, setResponse, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const at = Date.UTC(2026, 11, 4, 10, 15);
const entry = (side: 'local' | 'remote', path: string, reason: string, size: number, run_id: number | null = 5) => ({
  job_id: 1,
  side,
  trash_path: `.anemone-trash/2026-12-04 101500/${path}`,
  original_path: path,
  reason,
  trashed_at_ms: at,
  size,
  run_id,
});
const items = [
  entry('remote', 'Reports/q3 report.pdf', 'deleted', 2_400_000),
  entry('local', 'Notes/plan.txt', 'overwritten', 2048),
  entry('local', 'Budget.xlsx', 'conflict', 52_000),
  entry('remote', 'old/readme.md', 'unknown', 900, null),
];

describe('trash', () => {
  it('lists both sides with why, restores one and the selection, and empties after a confirm', async () => {
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        trash_list: { __seq: [{ items, problems: [] }, { items: items.slice(1), problems: [] }, { items: items.slice(3), problems: [] }, { items: [], problems: [] }] },
        trash_restore: {
          __seq: [
            [{ side: 'remote', trash_path: items[0].trash_path, ok: true, restored_to: 'Reports/q3 report.pdf', original_path: 'Reports/q3 report.pdf', message: null }],
            [
              { side: 'local', trash_path: items[1].trash_path, ok: true, restored_to: 'Notes/plan (restored 2026-12-04).txt', original_path: 'Notes/plan.txt', message: null },
              { side: 'local', trash_path: items[2].trash_path, ok: false, restored_to: null, original_path: null, message: 'Budget.xlsx cannot be restored: the disk is full' },
            ],
          ],
        },
        trash_empty: [{ side: 'local', ok: true, message: null }, { side: 'remote', ok: true, message: null }],
      },
    });
    await page.getByRole('button', { name: 'Trash of Documents' }).click();
    await page.getByRole('heading', { name: 'Trash of Documents' }).waitFor();
    const rows = page.getByTestId('trash-row');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(4);
    // Said from where each file is: deleted here because it went on the other side.
    expect(await rows.nth(0).textContent()).toContain('Deleted on this computer');
    expect(await rows.nth(0).textContent()).toContain('Server');
    expect(await rows.nth(1).textContent()).toContain("Replaced by the server's version");
    expect(await rows.nth(2).textContent()).toContain('Lost a conflict');
    expect(await page.getByTestId('trash-summary').textContent()).toContain('This computer: 2 files');
    await screenshot(page, 'trash');

    // One row.
    await page.getByRole('button', { name: 'Restore Reports/q3 report.pdf (Server)' }).click();
    await page.getByText('Restored Reports/q3 report.pdf on the server.').waitFor();
    expect((await calls(page, 'trash_restore'))[0].args).toEqual({
      jobId: 1,
      items: [{ side: 'remote', trash_path: '.anemone-trash/2026-12-04 101500/Reports/q3 report.pdf' }],
    });
    await expect.poll(() => rows.count()).toBe(3);

    // The selection: one lands beside a file that took its name, one fails with the reason.
    await page.getByLabel('Select Notes/plan.txt (This computer)').check();
    await page.getByLabel('Select Budget.xlsx (This computer)').check();
    await page.getByRole('button', { name: 'Restore selected (2)' }).click();
    await page.getByText('Restored Notes/plan.txt on this computer as Notes/plan (restored 2026-12-04).txt (the name was taken).').waitFor();
    await page.getByText('Budget.xlsx cannot be restored: the disk is full').waitFor();
    expect((await calls(page, 'trash_restore'))[1].args.items).toHaveLength(2);
    await screenshot(page, 'trash-restored');

    // Empty: asks first, saying what goes; Cancel leaves all.
    await page.getByRole('button', { name: 'Empty trash…' }).click();
    const dlg = page.getByRole('dialog');
    await dlg.waitFor();
    expect(await dlg.textContent()).toMatch(/deletes 0 files \(.+\) on this computer and 1 file \(.+\) on the server for good/);
    await screenshot(page, 'trash-empty-confirm');
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    expect(await calls(page, 'trash_empty')).toEqual([]);
    await page.getByRole('button', { name: 'Empty trash…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete for good' }).click();
    await page.getByText('Emptied the trash on the server.').waitFor();
    expect((await calls(page, 'trash_empty'))[0].args).toEqual({ jobId: 1, side: null });
    await page.getByTestId('trash-empty').waitFor();
    await screenshot(page, 'trash-empty');

    await page.getByRole('button', { name: 'Back to jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('names a side that could not be listed and still shows the other', async () => {
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        trash_list: { items: items.slice(1, 2), problems: ['the trash on the server could not be listed: The server nas.local cannot be reached.'] },
      },
    });
    await page.getByRole('button', { name: 'Trash of Documents' }).click();
    await page.getByTestId('trash-problem').getByText('could not be listed').waitFor();
    expect(await page.getByTestId('trash-row').count()).toBe(1);
    await screenshot(page, 'trash-offline');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('History offers Restore on rows whose version is in the trash, and restores it', async () => {
    const activity = [
      { run_id: 5, job: 'Documents', at_ms: at, path: 'Reports/q3 report.pdf', action: 'deleted_remote', bytes: 0, moved_from: null },
      { run_id: 5, job: 'Documents', at_ms: at, path: 'Notes/plan.txt', action: 'downloaded', bytes: 2100, moved_from: null },
      { run_id: 5, job: 'Documents', at_ms: at, path: 'Notes/new.txt', action: 'uploaded', bytes: 10, moved_from: null },
    ];
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        history: [run(5, 'Documents')],
        activity,
        trash_of_runs: items.slice(0, 2),
        trash_restore: [{ side: 'local', trash_path: items[1].trash_path, ok: true, restored_to: 'Notes/plan (restored 2026-12-04).txt', original_path: 'Notes/plan.txt', message: null }],
      },
    });
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByRole('button', { name: 'Restore Reports/q3 report.pdf' }).waitFor();
    expect((await calls(page, 'trash_of_runs'))[0].args).toEqual({ runIds: [5] });
    // A new file's upload replaced nothing: no Restore there.
    expect(await page.getByRole('button', { name: /^Restore/ }).count()).toBe(2);
    await screenshot(page, 'history-restore');
    await page.getByRole('button', { name: 'Restore the previous version of Notes/plan.txt' }).click();
    await page.getByTestId('restore-note').getByText('Restored as Notes/plan (restored 2026-12-04).txt').waitFor();
    expect((await calls(page, 'trash_restore'))[0].args).toEqual({
      jobId: 1,
      items: [{ side: 'local', trash_path: '.anemone-trash/2026-12-04 101500/Notes/plan.txt' }],
    });
    await expect.poll(() => page.getByRole('button', { name: /^Restore/ }).count()).toBe(1);

    // A version emptied since: the reason shows on the row.
    await setResponse(page, 'trash_restore', [{ side: 'remote', trash_path: items[0].trash_path, ok: false, restored_to: null, original_path: null, message: 'no longer in the trash (emptied or restored already)' }]);
    await page.getByRole('button', { name: 'Restore Reports/q3 report.pdf' }).click();
    await page.getByText('no longer in the trash (emptied or restored already)').waitFor();
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });
});
