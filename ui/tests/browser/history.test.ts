import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, jsErrors, open, run, sampleJobs, screenshot, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const runs = Array.from({ length: 1000 }, (_, i) => run(i + 1, i % 3 === 0 ? 'Photos' : 'Documents'));
const activity = Array.from({ length: 1000 }, (_, i) => ({
  run_id: 1 + (i >> 3),
  job: i % 2 ? 'Photos' : 'Documents',
  at_ms: Date.UTC(2026, 10, 22, 9, 0) - i * 60_000,
  path: i % 50 === 0 ? `Reports/report-${i}.pdf` : `Folder${i % 7}/file-${i}.txt`,
  action: ['uploaded', 'downloaded', 'deleted_local', 'deleted_remote'][i % 4],
  bytes: i * 1000,
  moved_from: null as string | null,
}));

describe('history', () => {
  it('renders 1,000 runs quickly, pages through them, and expands one to its errors', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs(), history: runs, activity } });
    const t0 = Date.now();
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByTestId('runs-count').getByText('1000 runs').waitFor();
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(5000);
    expect(await calls(page, 'history')).toEqual([{ cmd: 'history', args: { jobId: null, limit: 1000 } }]);
    // Paginated: 50 rows in the DOM, 20 pages.
    expect(await page.getByTestId('run-row').count()).toBe(50);
    expect(await page.getByTestId('page').textContent()).toBe('Page 1 of 20');

    // Run 3 is partial with two file errors.
    await page.getByRole('button', { name: 'Details of run 3', exact: true }).click();
    const details = page.getByTestId('run-details');
    await details.waitFor();
    expect(await details.getByTestId('run-error-text').allTextContents()).toEqual([
      'Reports/q3.xlsx: "Reports/q3.xlsx" is in use on the server. It will be synced once it is closed.',
      'Reports/big3.iso: Not enough space on the server.',
    ]);
    // The server's own answer is behind "Details", folded, and only where there is one.
    const raw = details.getByText('Sharing Violation (0xc0000043)', { exact: false });
    expect(await raw.isVisible()).toBe(false);
    expect(await details.getByTestId('run-error-detail').count()).toBe(1);
    await details.getByTestId('run-error-detail').getByText('Details').click();
    await raw.waitFor();
    // What the run left alone on purpose is listed apart from the errors.
    expect(await details.getByTestId('run-note').allTextContents()).toEqual(['link: not synced: symbolic link (local side)']);
    expect(await page.getByRole('button', { name: 'Details of run 3', exact: true }).getAttribute('aria-expanded')).toBe('true');
    await screenshot(page, 'history');

    // Last page holds runs 951..1000; expanding the last partial one (993) shows its errors.
    await page.getByRole('navigation', { name: 'Runs pages' }).getByRole('button', { name: 'Last', exact: true }).click();
    expect(await page.getByTestId('page').textContent()).toBe('Page 20 of 20');
    expect(await page.getByTestId('run-row').count()).toBe(50);
    await page.getByRole('button', { name: 'Details of run 993', exact: true }).click();
    await page.getByText('"Reports/q993.xlsx" is in use on the server.', { exact: false }).waitFor();
    // Count over all pages.
    let total = 0;
    await page.getByRole('navigation', { name: 'Runs pages' }).getByRole('button', { name: 'First', exact: true }).click();
    for (let p = 0; p < 20; p++) {
      total += await page.getByTestId('run-row').count();
      if (p < 19) await page.getByRole('navigation', { name: 'Runs pages' }).getByRole('button', { name: 'Next', exact: true }).click();
    }
    expect(total).toBe(1000);

    // Activity filter.
    // Activity is paginated too: 50 rows in the DOM.
    expect(await page.getByTestId('activity-count').textContent()).toBe('1000 items, 1–50 shown');
    expect(await page.getByTestId('activity-item').count()).toBe(50);
    expect(await page.getByTestId('activity-page').textContent()).toBe('Page 1 of 20');
    await page.getByLabel('Filter activity').fill('report-');
    await expect.poll(() => page.getByTestId('activity-count').textContent()).toBe('20 items');
    expect(await page.getByTestId('activity-item').count()).toBe(20);

    // Per-job history.
    await page.getByLabel('Job', { exact: true }).selectOption({ label: 'Photos' });
    await expect.poll(async () => (await calls(page, 'history')).map((c) => c.args)).toEqual([
      { jobId: null, limit: 1000 },
      { jobId: 2, limit: 1000 },
    ]);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('shows a move as one line, old name to new, and counts it in its run', async () => {
    const moved = [
      { run_id: 7, job: 'Photos', at_ms: Date.UTC(2026, 10, 22, 9, 0), path: 'Photos 2024', action: 'moved_remote', bytes: 0, moved_from: 'Camera Roll' },
      { run_id: 8, job: 'Photos', at_ms: Date.UTC(2026, 10, 22, 9, 1), path: 'Archive/Photos 2024', action: 'moved_local', bytes: 0, moved_from: 'Photos 2024' },
    ];
    const page = await open(env, {
      responses: { list_jobs: sampleJobs(), history: [run(7, 'Photos', { uploaded: 0, downloaded: 0, deleted_remote: 0, moved_remote: 1 })], activity: moved },
    });
    await page.getByRole('tab', { name: 'History' }).click();
    const items = page.getByTestId('activity-item');
    await items.first().waitFor();
    expect(await items.allTextContents()).toEqual([
      expect.stringContaining('Moved on the server Camera Roll → Photos 2024'),
      expect.stringContaining('Moved on this computer Photos 2024 → Archive/Photos 2024'),
    ]);
    expect(await page.getByTestId('run-row').first().textContent()).toContain('1 moved');
    // The filter finds a move by its old name too.
    await page.getByLabel('Filter activity').fill('camera');
    await expect.poll(() => page.getByTestId('activity-count').textContent()).toBe('1 item');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('reads in words: sentence labels, folders listed, plurals and short durations right', async () => {
    const at = Date.UTC(2026, 10, 22, 9, 0);
    const acts = [
      { run_id: 9, job: 'Documents', at_ms: at, path: 'Notes', action: 'folder_created_local', bytes: 0, moved_from: null },
      { run_id: 9, job: 'Documents', at_ms: at, path: 'Old', action: 'folder_deleted_remote', bytes: 0, moved_from: null },
      { run_id: 9, job: 'Documents', at_ms: at, path: 'Notes/a.txt', action: 'uploaded', bytes: 1_500, moved_from: null },
      { run_id: 9, job: 'Documents', at_ms: at, path: 'b.txt', action: 'deleted_remote', bytes: 0, moved_from: null },
      { run_id: 9, job: 'Documents', at_ms: at, path: 'c.txt', action: 'deleted_local', bytes: 0, moved_from: null },
      { run_id: 9, job: 'Documents', at_ms: at, path: 'd (conflict).txt', action: 'conflict_copy_local', bytes: 0, moved_from: null },
      { run_id: 9, job: 'Documents', at_ms: at, path: 'e.txt', action: 'conflict_pending', bytes: 0, moved_from: null },
    ];
    const quick = run(9, 'Documents', { conflicts: 1, uploaded: 1, downloaded: 0, deleted_remote: 0, bytes_up: 1_500, bytes_down: 0 });
    quick.ended_at_ms = quick.started_at_ms + 300;
    const page = await open(env, {
      responses: { list_jobs: sampleJobs(), history: [quick, run(10, 'Documents', { conflicts: 2 })], activity: acts },
    });
    await page.getByRole('tab', { name: 'History' }).click();
    const items = page.getByTestId('activity-item');
    await items.first().waitFor();
    const text = await items.allTextContents();
    expect(text).toEqual([
      expect.stringContaining('Folder created on this computer Notes'),
      expect.stringContaining('Folder deleted on the server Old'),
      expect.stringContaining('Uploaded Notes/a.txt (1.5 kB)'),
      expect.stringContaining('Deleted on the server b.txt'),
      expect.stringContaining('Deleted on this computer c.txt'),
      expect.stringContaining('Kept both: conflict copy d (conflict).txt'),
      expect.stringContaining('Conflict: waiting for your choice e.txt'),
    ]);
    for (const t of text) expect(t).not.toMatch(/_|Deleted Remote|Conflict Pending/);
    const rows = page.getByTestId('run-row');
    expect(await rows.nth(0).textContent()).toContain('1 conflict');
    expect(await rows.nth(0).textContent()).not.toContain('1 conflicts');
    expect(await rows.nth(0).textContent()).toContain('under a second');
    expect(await rows.nth(0).textContent()).toContain('1.5 kB');
    expect(await rows.nth(1).textContent()).toContain('2 conflicts');
    await screenshot(page, 'history-words');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });
});
