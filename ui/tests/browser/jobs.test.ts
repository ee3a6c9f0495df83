import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { calls, jsErrors, job, open, sampleJobs, screenshot, setResponse, setup, type Env } from './helpers';

/** Commands the views call to read state (on load and after events); the tests look past them. */
const READS = ['list_jobs', 'list_conflicts', 'get_app_state', 'get_settings'];

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

async function openAddForm(page: Page) {
  await page.getByRole('button', { name: 'Add job' }).click();
  await page.getByRole('heading', { name: 'Add a job' }).waitFor();
}

async function fillValid(page: Page) {
  await page.getByLabel('Name', { exact: true }).fill('Documents');
  await page.getByLabel('Server name or address', { exact: true }).fill('nas.local');
  await page.getByLabel('Share', { exact: true }).fill('files');
  await page.getByLabel('User', { exact: true }).fill('alice');
  await page.getByLabel('Password', { exact: true }).fill('secret');
  await page.getByLabel('Folder on this computer', { exact: true }).fill('/home/alice/Documents');
}

describe('jobs view', () => {
  it('lists jobs with their state, last and next sync', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    const cards = page.locator('li[data-testid^="job-"]');
    expect(await cards.count()).toBe(4);
    expect(await page.getByTestId('job-2').getByTestId('job-state').textContent()).toBe('conflict');
    expect(await page.getByTestId('job-4').getByTestId('job-state').textContent()).toBe('disabled');
    // Documents syncs on every change: no "next sync" time to show (issue 16).
    await expectText(page.getByTestId('job-1'), /Syncs on every change/);
    await expectText(page.getByTestId('job-3'), /Syncs on every change/);
    // App state in the header.
    await page.evaluate(() => (window as any).__emit('app-state', { state: 'syncing', summary: 'Syncing Documents' }));
    await page.getByTestId('app-state').getByText('Syncing Documents').waitFor();
    // Live progress bar on the card.
    await page.evaluate(() => (window as any).__emit('engine-event', { type: 'progress', job: 'Documents', files_done: 3, files_total: 10, bytes_done: 300, bytes_total: 1000, rate: 100, eta_secs: 7, current: [] }));
    await page.getByTestId('job-1').getByRole('progressbar').waitFor();
    expect(await page.getByTestId('job-1').getByRole('progressbar').getAttribute('aria-valuenow')).toBe('30');
    expect(await page.getByTestId('job-1').getByTestId('job-state').textContent()).toBe('syncing');
    await screenshot(page, 'jobs');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'jobs-dark');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('runs the per-job actions with the job id', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('button', { name: 'Sync Documents now' }).click();
    await page.getByRole('button', { name: 'Disable Documents' }).click();
    await page.getByRole('button', { name: 'Enable Archive' }).click();
    await page.getByRole('button', { name: 'Open local folder of Photos' }).click();
    await page.getByRole('button', { name: 'Pause all jobs' }).click();
    await expect.poll(async () => (await calls(page)).filter((c) => !READS.includes(c.cmd)).map((c) => [c.cmd, c.args])).toEqual([
      ['sync_now', { jobId: 1 }],
      ['set_job_enabled', { id: 1, enabled: false }],
      ['set_job_enabled', { id: 4, enabled: true }],
      ['open_local_folder', { jobId: 2 }],
      ['pause', { jobId: null }],
    ]);
    // Errors of an action are shown on its card.
    await setResponse(page, 'sync_now', { __reject: { kind: 'unreachable', message: 'The server nas.local cannot be reached.' } });
    await page.getByRole('button', { name: 'Sync Projects now' }).click();
    await page.getByTestId('job-3').getByRole('alert').getByText('The server nas.local cannot be reached.').waitFor();
    await page.close();
  });

  it('a job in error says why on its card, and Open folder failing reads as a sentence', async () => {
    const why = 'The server nas.local has no share called "files". Check the share name.';
    const jobs = [job(1, 'Documents', { state: 'error', message: why }), job(2, 'Photos')];
    const page = await open(env, { responses: { list_jobs: jobs } });
    const card = page.getByTestId('job-1');
    expect(await card.getByTestId('job-reason').textContent()).toBe(why);
    expect(await page.getByTestId('job-2').getByTestId('job-reason').count()).toBe(0);
    const launcher = 'Launcher "gio" "open" "/home/alice/Photos" failed with ExitStatus(unix_wait_status(512))';
    const sentence = 'No file manager could open /home/alice/Photos. Open it yourself, or install a file manager.';
    await setResponse(page, 'open_local_folder', { __reject: { kind: 'other', message: sentence, detail: launcher } });
    await page.getByRole('button', { name: 'Open local folder of Photos' }).click();
    const err = page.getByTestId('job-error-2');
    await err.waitFor();
    expect(await err.textContent()).toBe(sentence);
    expect(await page.getByText(launcher).isVisible()).toBe(false);
    await screenshot(page, 'jobs-error-reason');
    await page.close();
  });

  it('removes a job only after confirming', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('button', { name: 'Remove Photos' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await calls(page, 'remove_job')).toEqual([]);
    await page.getByRole('button', { name: 'Remove Photos' }).click();
    await page.getByRole('dialog').getByText('No files are deleted').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove job' }).click();
    await expect.poll(() => calls(page, 'remove_job')).toEqual([{ cmd: 'remove_job', args: { id: 2 } }]);
    await page.close();
  });

  it('shows the add-job form directly on first run', async () => {
    const page = await open(env, { responses: { list_jobs: [] } });
    await page.getByRole('heading', { name: 'Set up your first sync' }).waitFor();
    expect(await page.getByLabel('Name', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    await screenshot(page, 'first-run');
    await page.close();
  });

  it('starts a new job with the parallel transfers of Settings', async () => {
    const page = await open(env, {
      responses: { list_jobs: [], get_settings: { start_at_login: false, notifications: true, parallel_transfers: 7, log_level: 'info' } },
    });
    await page.getByRole('heading', { name: 'Set up your first sync' }).waitFor();
    await expect.poll(() => page.getByLabel('Parallel transfers', { exact: true }).inputValue()).toBe('7');
    await page.close();
  });
});

describe('add-job form', () => {
  it('validates before any invoke', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await openAddForm(page);
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByTestId('error-name').waitFor();
    expect(await page.getByTestId('error-name').textContent()).toBe('Enter a name for this job.');
    expect(await page.getByTestId('error-host').textContent()).toBe('Enter the server name or address.');
    expect(await page.getByTestId('error-share').textContent()).toBe('Enter the share name.');
    expect(await page.getByTestId('error-local_path').textContent()).toBe('Choose or type the local folder.');
    // Focus moves to the first bad field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-name');
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await fillValid(page);
    await page.getByLabel('Server name or address', { exact: true }).fill('smb://nas.local/files');
    await page.getByLabel('Port (optional)', { exact: true }).fill('70000');
    await page.getByLabel(/^Exclude/).fill('*.tmp\n[abc');
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByTestId('error-port').waitFor();
    expect(await page.getByTestId('error-port').textContent()).toBe('Port must be a number from 1 to 65535.');
    expect(await page.getByTestId('error-host').textContent()).toMatch(/not a URL/);
    expect(await page.getByTestId('error-excludes').textContent()).toBe('"[abc" has a [ without ].');
    expect(await page.getByTestId('error-name').count()).toBe(0);
    // Test connection also validates first.
    await page.getByRole('button', { name: 'Test connection' }).click();
    const sent = (await calls(page)).map((c) => c.cmd).filter((c) => !READS.includes(c));
    expect(sent).toEqual([]);
    await screenshot(page, 'add-job-errors');
    await page.close();
  });

  it('shows connection errors exactly as the engine reports them', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await openAddForm(page);
    await fillValid(page);
    await page.getByLabel('Port (optional)', { exact: true }).fill('4450');
    await page.getByLabel('Folder on the share', { exact: true }).fill('/Team/Docs/');
    // Errors that name no field are shown once, under Test connection.
    const cases = [
      { kind: 'other', message: 'The server nas.local reported an error this app cannot explain. The details say what it answered.' },
      { kind: 'other', message: 'The server nas.local is out of space, or the user\'s quota is used up. Free some space there and sync again.' },
    ];
    for (const err of cases) {
      await setResponse(page, 'test_connection', { __reject: err });
      await page.getByRole('button', { name: 'Test connection' }).click();
      await expect.poll(() => page.getByTestId('test-error').textContent()).toBe(err.message);
      expect(await page.getByTestId('test-result').textContent()).toBe('');
    }
    const tc = await calls(page, 'test_connection');
    expect(tc).toHaveLength(2);
    expect(tc[0].args).toEqual({
      server: { host: 'nas.local', port: 4450, share: 'files', user: 'alice', domain: null, password: 'secret' },
      remotePath: 'Team/Docs',
    });
    // An error naming a field is shown at that field, and only there.
    await setResponse(page, 'test_connection', { __reject: { kind: 'not_found', message: 'There is no folder “Team/Docs” on the share.', field: 'remote_path' } });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('error-remote_path').getByText('There is no folder “Team/Docs” on the share.').waitFor();
    await expect.poll(() => page.getByTestId('test-error').count()).toBe(0);
    expect(await page.getByTestId('test-result').textContent()).toBe('Not connected.');
    await setResponse(page, 'test_connection', null);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => page.getByTestId('test-result').textContent()).toMatch(/^Connected/);
    await screenshot(page, 'add-job');
    await page.close();
  });

  it('shows a wrong password once, at the password, with the detail folded, and clears it on edit', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await openAddForm(page);
    await fillValid(page);
    const sentence = 'The server nas.local did not accept the user name or password. Check them and try again.';
    const detail = 'smb://nas.local/files: login as "alice" failed: Unexpected message status: Logon Failure (0xc000006d).; check the user name and password';
    await setResponse(page, 'test_connection', { __reject: { kind: 'auth', message: sentence, field: 'password', detail } });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('error-password').waitFor();
    expect(await page.getByTestId('error-password').textContent()).toBe(sentence);
    // Once on the page: not again under Test connection.
    expect(await page.getByText(sentence).count()).toBe(1);
    expect(await page.getByTestId('test-error').count()).toBe(0);
    // The protocol text is behind "Details", closed.
    const details = page.getByTestId('error-password-detail');
    expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await page.getByText(detail).isVisible()).toBe(false);
    await screenshot(page, 'add-job-wrong-password');
    await details.getByText('Details').click();
    expect(await page.getByText(detail).isVisible()).toBe(true);
    await screenshot(page, 'add-job-wrong-password-details');
    // Typing in the password clears it: nothing stale (greyed or otherwise) stays.
    await page.getByLabel('Password', { exact: true }).fill('secret2');
    await expect.poll(() => page.getByTestId('error-password').count()).toBe(0);
    expect(await page.getByText(sentence).count()).toBe(0);
    expect(await page.getByText('Not connected.').count()).toBe(0);
    await page.close();
  });

  it('a host that cannot be found is shown at the server name', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await openAddForm(page);
    await fillValid(page);
    const sentence = "No server called nas.local could be found. Check the name, or use the server's IP address.";
    await setResponse(page, 'test_connection', {
      __reject: { kind: 'unreachable', message: sentence, field: 'host', detail: 'cannot connect to nas.local: cannot resolve host name "nas.local" (failed to lookup address information: Name or service not known)' },
    });
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByTestId('error-host').waitFor();
    expect(await page.getByTestId('error-host').textContent()).toBe(sentence);
    expect(await page.getByText('failed to lookup').isVisible()).toBe(false);
    await screenshot(page, 'add-job-unknown-host');
    await page.getByLabel('Server name or address', { exact: true }).fill('nas2.local');
    await expect.poll(() => page.getByTestId('error-host').count()).toBe(0);
    await page.close();
  });

  it('browses the share, picks folders, saves and starts the first sync', async () => {
    const created = job(9, 'Documents');
    const page = await open(env, {
      responses: {
        list_jobs: sampleJobs(),
        add_job: created,
        browse_remote: { __by: 'path', map: { '': ['Projects', 'Photos'], Projects: ['2025', '2026'], 'Projects/2026': [] } },
      },
    });
    await openAddForm(page);
    await fillValid(page);
    await page.getByRole('button', { name: 'Browse…' }).click();
    await page.getByRole('button', { name: '📁 Projects' }).click();
    await page.getByRole('button', { name: '📁 2026' }).click();
    await page.getByText('No folders here.').waitFor();
    expect(await page.getByTestId('browse-path').textContent()).toBe('/Projects/2026');
    // Escape closes the browser without choosing; Browse reopens it where the field points (root).
    await page.getByRole('button', { name: 'Up one folder' }).press('Escape');
    expect(await page.getByTestId('browse-path').count()).toBe(0);
    expect(await page.getByLabel('Folder on the share', { exact: true }).inputValue()).toBe('');
    await page.getByRole('button', { name: 'Browse…' }).click();
    await page.getByRole('button', { name: '📁 Projects' }).click();
    await page.getByRole('button', { name: '📁 2026' }).click();
    await page.getByText('No folders here.').waitFor();
    await page.getByRole('button', { name: 'Use this folder' }).click();
    expect(await page.getByLabel('Folder on the share', { exact: true }).inputValue()).toBe('Projects/2026');
    expect((await calls(page, 'browse_remote')).map((c) => c.args.path)).toEqual(['', 'Projects', 'Projects/2026', '', 'Projects', 'Projects/2026']);

    await page.getByLabel('Folder on this computer', { exact: true }).fill('');
    await page.getByRole('button', { name: 'Choose…' }).click();
    await expect.poll(() => page.getByLabel('Folder on this computer', { exact: true }).inputValue()).toBe('/home/me/Picked');
    await page.getByLabel('Direction', { exact: true }).selectOption('upload');
    await page.getByLabel('When both sides changed', { exact: true }).selectOption('ask');
    await page.getByLabel('Encryption', { exact: true }).selectOption('required');
    await page.getByLabel(/^Exclude/).fill('*.tmp\n\nnode_modules/\n');

    // A save error naming a field lands on it; then a retry succeeds.
    await setResponse(page, 'add_job', { __reject: { kind: 'invalid_input', message: 'Another job already syncs this folder.', field: 'local_path' } });
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByTestId('error-local_path').getByText('Another job already syncs this folder.').waitFor();
    await setResponse(page, 'add_job', created);
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const add = await calls(page, 'add_job');
    expect(add[1].args).toEqual({
      input: {
        name: 'Documents',
        local_path: '/home/me/Picked',
        server: { host: 'nas.local', port: null, share: 'files', user: 'alice', domain: null, password: 'secret' },
        remote_path: 'Projects/2026',
        mode: 'upload',
        conflict_policy: 'ask',
        excludes: ['*.tmp', 'node_modules/'],
        max_delete_percent: 50,
        parallel: 4,
        when: { trigger: 'realtime', interval_minutes: 60, times: [], days: [] },
        encryption: 'required',
      },
    });
    // The app starts the first sync itself: no second run is asked for.
    expect(await calls(page, 'sync_now')).toEqual([]);
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('sets when a job syncs: checks the schedule, sends it, shows it again on edit', async () => {
    const scheduled = job(5, 'Nightly', { when: { trigger: 'schedule', interval_minutes: 60, times: ['02:30'], days: ['mon', 'tue', 'wed', 'thu', 'fri'] } });
    const page = await open(env, { responses: { list_jobs: [...sampleJobs(), scheduled], add_job: job(9, 'Docs') } });
    await page.getByRole('button', { name: 'Edit Nightly' }).click();
    expect(await page.getByLabel('When to sync', { exact: true }).inputValue()).toBe('schedule');
    expect(await page.getByLabel(/^At \(times of day/).inputValue()).toBe('02:30');
    expect(await page.getByLabel(/^On \(days/).inputValue()).toBe('mon-fri');
    await page.getByRole('button', { name: 'Cancel' }).click();

    await openAddForm(page);
    await fillValid(page);
    await page.getByLabel('When to sync', { exact: true }).selectOption('schedule');
    await page.getByLabel(/^At \(times of day/).fill('8:00, 25:61');
    await page.getByLabel(/^On \(days/).fill('mon-funday');
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByTestId('error-times').waitFor();
    expect(await page.getByTestId('error-times').textContent()).toBe('"25:61" is not a time of day; use HH:MM, for example 18:30.');
    expect(await page.getByTestId('error-days').textContent()).toMatch(/day names/);
    expect(await calls(page, 'add_job')).toEqual([]);
    await page.getByLabel(/^At \(times of day/).fill('08:00 18:30');
    await page.getByLabel(/^On \(days/).fill('sat, sun');
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const add = await calls(page, 'add_job');
    expect((add[0].args.input as any).when).toEqual({ trigger: 'schedule', interval_minutes: 60, times: ['08:00', '18:30'], days: ['sat', 'sun'] });

    // Every few minutes: the interval is checked too.
    await openAddForm(page);
    await fillValid(page);
    await page.getByLabel('When to sync', { exact: true }).selectOption('interval');
    await page.getByLabel('Every (minutes)', { exact: true }).fill('0');
    await page.getByRole('button', { name: 'Add and sync' }).click();
    await page.getByTestId('error-interval_minutes').waitFor();
    await page.close();
  });

  it('asks for a new password when the server rejected the login, and shows how the connection is protected', async () => {
    const rejected = job(3, 'Projects', {
      state: 'error',
      message: 'the server rejected the user name or password',
      needs_password: true,
      security: null,
    });
    const jobs = [job(1, 'Documents', { security: { encrypted: true, signed: true }, encryption: 'required' }), rejected];
    const page = await open(env, { responses: { list_jobs: jobs, set_password: job(3, 'Projects') } });
    await expectText(page.getByTestId('job-1').getByTestId('job-security'), /Connection: encrypted \(required\)/);
    expect(await page.getByTestId('job-3').getByTestId('job-security').count()).toBe(0);
    const card = page.getByTestId('job-3');
    await card.getByText('The server rejected the user name or password.').waitFor();
    await card.getByRole('button', { name: 'Enter a new password for Projects' }).click();
    await card.getByLabel('New password', { exact: true }).fill('n3w-secret');
    await screenshot(page, 'jobs-password');
    await card.getByRole('button', { name: 'Save and sync' }).click();
    await expect.poll(async () => (await calls(page, 'set_password')).map((c) => c.args)).toEqual([{ jobId: 3, password: 'n3w-secret' }]);
    // No other command carries the password, and nothing shows it.
    expect((await calls(page)).filter((c) => JSON.stringify(c.args).includes('n3w-secret')).length).toBe(1);
    expect(await page.content()).not.toContain('n3w-secret');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('edits a job with its current settings', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs(), update_job: job(2, 'Photos') } });
    await page.getByRole('button', { name: 'Edit Photos' }).click();
    expect(await page.getByLabel('Server name or address', { exact: true }).inputValue()).toBe('nas.local');
    expect(await page.getByLabel('Share', { exact: true }).inputValue()).toBe('files');
    expect(await page.getByLabel('Folder on the share', { exact: true }).inputValue()).toBe('Photos');
    expect(await page.getByLabel('Direction', { exact: true }).inputValue()).toBe('upload');
    await page.getByLabel('Name', { exact: true }).fill('Pictures');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const up = await calls(page, 'update_job');
    expect(up[0].args.id).toBe(2);
    expect((up[0].args.input as any).name).toBe('Pictures');
    expect((up[0].args.input as any).server.password).toBeNull();
    expect(await calls(page, 'sync_now')).toEqual([]);
    await page.close();
  });
});

async function expectText(loc: import('playwright-core').Locator, re: RegExp) {
  await expect.poll(() => loc.textContent()).toMatch(re);
}
