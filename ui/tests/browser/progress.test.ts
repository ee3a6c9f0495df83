import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emit, jsErrors, open, sampleJobs, screenshot, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

// Decimal units, as the window shows them (1 MB = 1000 kB = 1,000,000 B).
const MB = 1_000_000;

describe('progress', () => {
  it('follows engine events: phase, transfers, bytes, rate, ETA, failures, finish', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('tab', { name: 'Progress' }).click();
    await page.getByTestId('progress-idle').waitFor();
    await emit(page, 'engine-event', { type: 'run_started', job: 'Documents', run_id: 42 });
    await emit(page, 'engine-event', { type: 'phase', job: 'Documents', phase: 'scanning' });
    await expect.poll(() => page.getByTestId('run-Documents').getByTestId('phase').textContent()).toBe('Scanning');
    await emit(page, 'engine-event', { type: 'phase', job: 'Documents', phase: 'transferring' });
    await emit(page, 'engine-event', {
      type: 'progress', job: 'Documents', files_done: 12, files_total: 40, bytes_done: 30 * MB, bytes_total: 120 * MB, rate: 3 * MB, eta_secs: 30,
      current: [
        { path: 'Videos/trip.mp4', direction: 'up', bytes_done: 10 * MB, bytes_total: 40 * MB },
        { path: 'Scans/contract.pdf', direction: 'down', bytes_done: 512_000, bytes_total: 2 * MB },
      ],
    });
    await emit(page, 'engine-event', { type: 'file_failed', job: 'Documents', path: 'Locked.docx', message: 'The file is open in another program.' });
    await emit(page, 'engine-event', { type: 'file_done', job: 'Documents', path: 'Notes/a.txt', action: 'uploaded', bytes: 1200 });
    await expect.poll(() => page.getByTestId('overall-bytes').textContent()).toBe('30 MB of 120 MB');
    expect(await page.getByTestId('overall-files').textContent()).toBe('12 of 40 files');
    expect(await page.getByTestId('overall-rate').textContent()).toBe('3.0 MB/s');
    expect(await page.getByTestId('overall-eta').textContent()).toBe('about 30 s left');
    expect(await page.getByTestId('phase').textContent()).toBe('Transferring');
    expect(await page.getByRole('progressbar', { name: 'Overall progress' }).getAttribute('aria-valuenow')).toBe('25');
    const rows = page.getByTestId('transfer');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).textContent()).toMatch(/Videos\/trip\.mp4.*Upload.*10 MB \/ 40 MB/);
    expect(await rows.nth(1).textContent()).toMatch(/Scans\/contract\.pdf.*Download.*512 kB \/ 2\.0 MB/);
    // Per-transfer rate, measured between two progress events.
    expect(await rows.nth(0).locator('td').nth(4).textContent()).toBe('—');
    await page.waitForTimeout(500);
    await emit(page, 'engine-event', {
      type: 'progress', job: 'Documents', files_done: 12, files_total: 40, bytes_done: 30 * MB, bytes_total: 120 * MB, rate: 3 * MB, eta_secs: 30,
      current: [
        { path: 'Videos/trip.mp4', direction: 'up', bytes_done: 12 * MB, bytes_total: 40 * MB },
        { path: 'Scans/contract.pdf', direction: 'down', bytes_done: 512_000, bytes_total: 2 * MB },
      ],
    });
    await expect.poll(() => rows.nth(0).locator('td').nth(4).textContent()).toMatch(/^\d+(\.\d)? MB\/s$/);
    await page.getByText('1 failed').waitFor();
    await page.getByText('Recent files').click();
    await page.getByText('The file is open in another program.').waitFor();
    await screenshot(page, 'progress');

    await emit(page, 'engine-event', {
      type: 'run_finished', job: 'Documents', run_id: 42, status: 'partial',
      counts: { uploaded: 39, downloaded: 0, deleted_local: 0, deleted_remote: 0, moved_local: 0, moved_remote: 0, conflicts: 0, skipped: 1, bytes_up: 120 * MB, bytes_down: 0 },
    });
    await page.getByText('Finished: partial').waitFor();
    await page.getByTestId('progress-idle').waitFor();
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('stays smooth under 10,000 progress events: at most ~10 renders a second', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('tab', { name: 'Progress' }).click();
    await emit(page, 'engine-event', { type: 'run_started', job: 'Documents', run_id: 7 });
    await page.getByTestId('run-Documents').waitFor();
    const r = await page.evaluate(async () => {
      const w = window as any;
      const el = document.querySelector('[data-testid="progress"]')!;
      let renders = 0;
      const mo = new MutationObserver(() => renders++);
      mo.observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
      // Long tasks (>50 ms) on the main thread while the events pour in.
      let longTasks = 0;
      const po = new PerformanceObserver((l) => (longTasks += l.getEntries().length));
      po.observe({ type: 'longtask', buffered: false } as any);
      const N = 10_000;
      const t0 = performance.now();
      for (let i = 1; i <= N; i++) {
        void w.__emit('engine-event', {
          type: 'progress', job: 'Documents', files_done: i, files_total: N, bytes_done: i * 1000, bytes_total: N * 1000, rate: 500_000, eta_secs: Math.ceil((N - i) / 500),
          current: [{ path: `dir/file-${i}.bin`, direction: i % 2 ? 'up' : 'down', bytes_done: 500, bytes_total: 1000 }],
        });
        if (i % 50 === 0) await new Promise((res) => setTimeout(res, 4));
      }
      const elapsed = performance.now() - t0;
      await new Promise((res) => setTimeout(res, 300));
      mo.disconnect();
      po.disconnect();
      return { elapsed, renders, longTasks };
    });
    // Final state is shown.
    expect(await page.getByTestId('overall-files').textContent()).toBe('10000 of 10000 files');
    expect(await page.getByTestId('transfer').textContent()).toContain('dir/file-10000.bin');
    // ~10 renders a second (+ leading/trailing flushes and the final one).
    const allowed = Math.ceil((r.elapsed + 300) / 100) + 3;
    console.log(`10,000 events in ${Math.round(r.elapsed)} ms: ${r.renders} renders (allowed ${allowed}), ${r.longTasks} long tasks`);
    expect(r.renders).toBeLessThanOrEqual(allowed);
    expect(r.renders).toBeGreaterThan(1);
    expect(r.elapsed).toBeLessThan(10_000);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });
});
