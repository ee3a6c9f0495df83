import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, jsErrors, open, sampleJobs, screenshot, setResponse, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const t = Date.UTC(2026, 10, 21, 16, 0) * 1e6;
const conflicts = [
  { id: 11, job: 'Documents', job_id: 1, path: 'Notes/plan.txt', local_size: 2048, local_mtime_ns: t, remote_size: 1900, remote_mtime_ns: t - 3.6e12, detected_at_ms: 0 },
  { id: 12, job: 'Photos', job_id: 2, path: 'Trips/beach.png', local_size: 3_500_000, local_mtime_ns: t, remote_size: 3_400_000, remote_mtime_ns: t + 6e10, detected_at_ms: 0 },
  { id: 13, job: 'Documents', job_id: 1, path: 'Budget.xlsx', local_size: 52_000, local_mtime_ns: t, remote_size: 51_000, remote_mtime_ns: t, detected_at_ms: 0 },
];
// A 2x2 PNG (red/blue) as a data URL.
const png =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAJUlEQVR4nGNwaHgARxccHOAIlzjDINRAjCJk8cGoYRAG60iMBwDcwXgQIxFXHQAAAABJRU5ErkJggg==';
const previews = {
  __by: 'id',
  map: {
    '11': { local: { size: 2048, mtime_ns: t, text: 'Plan\n- ship the UI\n- local edit', image_data_url: null }, remote: { size: 1900, mtime_ns: t - 3.6e12, text: 'Plan\n- ship the UI\n- remote edit', image_data_url: null } },
    '12': { local: { size: 3_500_000, mtime_ns: t, text: null, image_data_url: png }, remote: { size: 3_400_000, mtime_ns: t + 6e10, text: null, image_data_url: png } },
  },
  default: { __reject: { kind: 'other', message: 'No preview for this kind of file.' } },
};

describe('conflicts', () => {
  it('shows both versions and resolves per row and for the selection', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs(), list_conflicts: conflicts, conflict_preview: previews } });
    await page.getByRole('tab', { name: /Conflicts/ }).click();
    await page.getByText('Notes/plan.txt').waitFor();
    // Side by side: size, modified time, previews.
    const row11 = page.getByTestId('conflict-11');
    await row11.getByText('- local edit').waitFor();
    await row11.getByText('- remote edit').waitFor();
    expect(await row11.textContent()).toContain('2.0 kB');
    expect(await row11.textContent()).toContain('1.9 kB');
    expect(await page.getByTestId('conflict-12').getByRole('img').count()).toBe(2);
    await page.getByTestId('conflict-13').getByText('No preview for this kind of file.').waitFor();
    await screenshot(page, 'conflict-dialog');

    // One row: Keep remote.
    await setResponse(page, 'resolve_conflicts', [{ id: 12, ok: true, message: null }]);
    await page.getByRole('button', { name: 'Keep remote version of Trips/beach.png' }).click();
    await page.getByTestId('conflict-12').getByTestId('result').getByText('Kept the server’s version').waitFor();
    expect(await page.getByRole('button', { name: 'Keep local version of Trips/beach.png' }).isDisabled()).toBe(true);

    // The selection: Keep both, with one failure reported per item.
    await page.getByLabel('Notes/plan.txt', { exact: true }).check();
    await page.getByLabel('Budget.xlsx', { exact: true }).check();
    expect(await page.getByTestId('selected-count').textContent()).toBe('2 selected');
    await setResponse(page, 'resolve_conflicts', [
      { id: 11, ok: true, message: null },
      { id: 13, ok: false, message: 'Budget.xlsx is open in another program.' },
    ]);
    await page.getByRole('button', { name: 'Keep both for selected' }).click();
    await page.getByTestId('conflict-13').getByTestId('result').getByText('Budget.xlsx is open in another program.').waitFor();
    await page.getByTestId('conflict-11').getByTestId('result').getByText('Kept both versions').waitFor();

    expect((await calls(page, 'resolve_conflicts')).map((c) => c.args)).toEqual([
      { ids: [12], keep: 'remote' },
      { ids: [11, 13], keep: 'both' },
    ]);
    // The failed one stays selected and can be retried; select-all covers only unresolved rows.
    expect(await page.getByTestId('selected-count').textContent()).toBe('1 selected');
    await page.getByLabel('Select all').check();
    expect(await page.getByTestId('selected-count').textContent()).toBe('1 selected');
    await setResponse(page, 'resolve_conflicts', [{ id: 13, ok: true, message: null }]);
    await page.getByRole('button', { name: 'Keep local for selected' }).click();
    await page.getByTestId('conflict-13').getByText('Kept this computer’s version').waitFor();
    expect((await calls(page, 'resolve_conflicts'))[2].args).toEqual({ ids: [13], keep: 'local' });
    await screenshot(page, 'conflicts-resolved');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('shows a failed resolve call as the engine reports it', async () => {
    const page = await open(env, {
      responses: { list_conflicts: conflicts, conflict_preview: previews, resolve_conflicts: { __reject: { kind: 'unreachable', message: 'The server nas.local cannot be reached.' } } },
    });
    await page.getByRole('tab', { name: /Conflicts/ }).click();
    await page.getByRole('button', { name: 'Keep local version of Budget.xlsx' }).click();
    await page.getByRole('alert').getByText('The server nas.local cannot be reached.').waitFor();
    await page.close();
  });

  it('says so when there are none', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('tab', { name: /Conflicts/ }).click();
    await page.getByTestId('no-conflicts').waitFor();
    await page.close();
  });
});
