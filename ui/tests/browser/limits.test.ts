// Issue 16 part 8: bandwidth limits (Settings and the job form), the pause on metered
// connections, and jobs' export and import. The mock backend stands in for the shell; the
// engine's own parser and its sentences are tested in Rust (src/limits/rate.rs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, job, jsErrors, open, sampleJobs, screenshot, setResponse, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const NOT_A_RATE = '"fast" is not a rate; write bytes per second with a unit, like 500kB, 2MB or 1.5MB/s (or off for no limit).';

describe('limits in Settings', () => {
  it('loads, shows a bad rate under its field, saves the limits and the metered pause', async () => {
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        get_limits: { up_limit: '2 MB', down_limit: '', pause_on_metered: false, metered_supported: true },
        set_limits: { __seq: [{ __reject: { kind: 'invalid_input', message: NOT_A_RATE, field: 'down_limit' } }, null] },
      },
    });
    await page.getByRole('tab', { name: 'Settings' }).click();
    const up = page.getByLabel('Upload limit (all jobs)');
    await up.waitFor();
    expect(await up.inputValue()).toBe('2 MB');
    expect(await page.getByLabel('Download limit (all jobs)').inputValue()).toBe('');
    await page.getByLabel('Download limit (all jobs)').fill('fast');
    await page.getByLabel('Pause syncing on metered connections').check();
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText(NOT_A_RATE).waitFor();
    expect(await page.getByLabel('Download limit (all jobs)').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('s-down_limit');
    await page.getByRole('heading', { name: 'Bandwidth and network' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-limits-error');
    // Typing clears the message; the fixed value is sent as typed.
    await page.getByLabel('Download limit (all jobs)').fill('500kB');
    expect(await page.getByText(NOT_A_RATE).count()).toBe(0);
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText('Saved.').waitFor();
    const sent = await calls(page, 'set_limits');
    expect(sent[1].args).toEqual({ limits: { up_limit: '2 MB', down_limit: '500kB', pause_on_metered: true, metered_supported: true } });
    await page.getByRole('heading', { name: 'Bandwidth and network' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-limits');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('says where the metered pause is not available', async () => {
    const page = await open(env, {
      responses: { list_jobs: sampleJobs(), get_limits: { up_limit: '', down_limit: '', pause_on_metered: false, metered_supported: false } },
    });
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByText('Not available on this system yet.').waitFor();
    expect(await page.getByLabel('Pause syncing on metered connections').isDisabled()).toBe(true);
    await page.close();
  });

  it('exports and imports jobs, and shows what the import did', async () => {
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        export_settings: { __seq: ['/home/me/anemone-sync-jobs.json', null] },
        import_settings: {
          lines: [
            'The file holds a password; it was ignored (passwords are never imported from a file: set them on this computer with `anemone-sync job set-password` or in the job form).',
            'Added “Photos”.',
            'Skipped “Documents”: a job of that name exists.',
            '“Photos” needs its password on this computer: edit the job to enter it.',
          ],
          changed: true,
        },
      },
    });
    await page.getByRole('tab', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Export jobs…' }).click();
    await page.getByText('Exported to /home/me/anemone-sync-jobs.json (no passwords).').waitFor();
    // Cancelled: nothing said.
    await page.getByRole('button', { name: 'Export jobs…' }).click();
    await expect.poll(async () => (await calls(page, 'export_settings')).length).toBe(2);
    expect(await page.getByText(/^Exported to/).count()).toBe(0);
    await page.getByLabel('Replace jobs of the same name').check();
    await page.getByRole('button', { name: 'Import jobs…' }).click();
    const result = page.getByRole('list', { name: 'Import result' });
    await result.getByText('Added “Photos”.').waitFor();
    expect(await result.getByRole('listitem').count()).toBe(4);
    expect((await calls(page, 'import_settings'))[0].args).toEqual({ replace: true });
    await result.getByRole('listitem').last().scrollIntoViewIfNeeded();
    await screenshot(page, 'settings-import');
    // A file that is not ours: the sentence, no list.
    await setResponse(page, 'import_settings', {
      __reject: { kind: 'config', message: 'The file is not valid JSON (EOF while parsing a list at line 1 column 40); use a file made by `anemone-sync config export` or the app\'s Export.' },
    });
    await page.getByRole('button', { name: 'Import jobs…' }).click();
    await page.getByRole('alert').getByText(/is not valid JSON/).waitFor();
    expect(await result.count()).toBe(0);
    await screenshot(page, 'settings-import-error');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });
});

describe('limits in the job form', () => {
  it('shows a job’s limits, refuses a bad one before saving, stores them after the job', async () => {
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        get_job_limits: { up_limit: '1 MB', down_limit: '' },
        update_job: job(1, 'Documents'),
        check_job_limits: {
          __seq: [{ __reject: { kind: 'invalid_input', message: '"5kB" is below the lowest limit, 10 kB/s; give at least 10kB, or off for no limit.', field: 'up_limit' } }, null],
        },
      },
    });
    await page.getByRole('button', { name: 'Edit Documents' }).click();
    const up = page.getByLabel('Upload limit (this job)');
    await expect.poll(() => up.inputValue()).toBe('1 MB');
    expect((await calls(page, 'get_job_limits'))[0].args).toEqual({ jobId: 1 });
    await up.fill('5kB');
    await page.getByLabel('Download limit (this job)').fill('2MB/s');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('error-up_limit').waitFor();
    expect(await page.getByTestId('error-up_limit').textContent()).toMatch(/below the lowest limit/);
    expect(await calls(page, 'update_job')).toEqual([]);
    await page.getByRole('button', { name: 'Save', exact: true }).scrollIntoViewIfNeeded();
    await screenshot(page, 'jobform-limits-error');
    await up.fill('800 kB');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    expect(await calls(page, 'update_job')).toHaveLength(1);
    expect((await calls(page, 'set_job_limits'))[0].args).toEqual({ jobId: 1, limits: { up_limit: '800 kB', down_limit: '2MB/s' } });
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('shows a job held by a metered connection', async () => {
    const jobs = sampleJobs();
    jobs[0] = job(1, 'Documents', { state: 'paused', message: 'metered connection' });
    const page = await open(env, { responses: { list_jobs: jobs } });
    await page.getByTestId('job-held').first().waitFor();
    expect(await page.getByTestId('job-held').first().textContent()).toBe('Paused: metered connection');
    await screenshot(page, 'jobs-metered');
    await page.close();
  });
});
