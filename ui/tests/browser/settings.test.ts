import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calls, jsErrors, open, sampleJobs, screenshot, setResponse, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

describe('settings and keyboard', () => {
  it('loads, validates and saves the settings; opens the log folder', async () => {
    const page = await open(env, {
      responses: { list_jobs: sampleJobs(), get_settings: { start_at_login: false, notifications: true, parallel_transfers: 4, log_level: 'info' } },
    });
    await page.getByRole('tab', { name: 'Settings' }).click();
    const login = page.getByLabel('Start AnemoneSync when I log in');
    await login.waitFor();
    expect(await login.isChecked()).toBe(false);
    await login.check();
    await page.getByLabel(/^Show notifications/).uncheck();
    await page.getByLabel('Log detail').selectOption('debug');
    await page.getByLabel('Parallel transfers (all jobs)').fill('0');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Enter a number from 1 to 64.').waitFor();
    expect(await calls(page, 'set_settings')).toEqual([]);
    await page.getByLabel('Parallel transfers (all jobs)').fill('8');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await calls(page, 'set_settings'))[0].args).toEqual({
      settings: { start_at_login: true, notifications: false, parallel_transfers: 8, log_level: 'debug' },
    });
    await setResponse(page, 'open_log_folder', { __reject: { kind: 'other', message: 'No file manager is installed.' } });
    await page.getByRole('button', { name: 'Open log folder' }).click();
    await page.getByRole('alert').getByText('No file manager is installed.').waitFor();
    expect(await calls(page, 'open_log_folder')).toHaveLength(1);
    await screenshot(page, 'settings');
    expect(jsErrors(page)).toEqual([]);
    await page.close();
  });

  it('every control has an accessible name, and sections switch with the keyboard', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } });
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    // Arrow keys move between the section tabs.
    await page.getByRole('tab', { name: 'Jobs' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('tab', { name: 'History' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-history');
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { name: 'Settings' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    // The add form, opened and filled from the keyboard alone.
    await page.getByRole('button', { name: 'Add job' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Add a job' }).waitFor();
    await page.keyboard.press('Tab');
    // Every visible control of every screen has a name.
    const unnamed: string[] = [];
    for (const tab of ['Jobs', 'Progress', 'History', 'Conflicts', 'Settings']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.waitForTimeout(150);
      unnamed.push(
        ...(await page.evaluate(() => {
          const bad: string[] = [];
          for (const el of Array.from(document.querySelectorAll('button, input, select, textarea'))) {
            const e = el as HTMLInputElement;
            const named = e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (el.tagName === 'BUTTON' && el.textContent?.trim());
            if (!named) bad.push(el.outerHTML.slice(0, 80));
          }
          return bad;
        })),
      );
    }
    expect(unnamed).toEqual([]);
    await page.close();
  });

  it('follows the dark colour scheme', async () => {
    const page = await open(env, { responses: { list_jobs: sampleJobs() } }, { colorScheme: 'dark' });
    await page.getByRole('heading', { name: 'Documents' }).waitFor();
    const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(bg).toBe('rgb(21, 24, 28)');
    await page.close();
  });
});
