// Layout (issue 16, part 7): nothing clipped at 1024x700 or 1600x1000 on any page (form
// controls, buttons and headings show all their text; no select is narrower than the choice it
// shows; nothing runs off the window), header and sidebar stay put while the page scrolls, and
// opening History with 10,000 activity rows is cheap for the web process (measured, printed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { job, jsErrors, open, run, sampleJobs, screenshot, setup, type Env } from './helpers';

let env: Env;
beforeAll(async () => {
  env = await setup();
});
afterAll(async () => {
  await env?.close();
});

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1600, height: 1000 },
];

const t = Date.UTC(2026, 10, 22, 9, 0) * 1e6;
const conflicts = [
  { id: 11, job: 'Documents', job_id: 1, path: 'Notes/plan.txt', local_size: 2048, local_mtime_ns: t, remote_size: 1900, remote_mtime_ns: t - 3.6e12, detected_at_ms: 0 },
  { id: 12, job: 'Photos', job_id: 2, path: 'Trips/2026/a rather long folder name/beach at sunset.png', local_size: 3_500_000, local_mtime_ns: t, remote_size: 3_400_000, remote_mtime_ns: t, detected_at_ms: 0 },
];

function activityRows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    run_id: 1 + (i >> 3),
    job: i % 2 ? 'Photos' : 'Documents',
    at_ms: Date.UTC(2026, 10, 22, 9, 0) - i * 60_000,
    path: `Folder${i % 7}/sub folder ${i % 13}/file-${i}.txt`,
    action: ['uploaded', 'downloaded', 'deleted_local', 'deleted_remote'][i % 4],
    bytes: i * 1000,
    moved_from: null as string | null,
  }));
}

const fixture = () => ({
  responses: {
    list_jobs: sampleJobs(),
    list_conflicts: conflicts,
    history: Array.from({ length: 120 }, (_, i) => run(i + 1, i % 3 ? 'Documents' : 'Photos')),
    activity: activityRows(300),
    get_app_state: { state: 'error', summary: 'Projects failed: the server nas.local cannot be reached; check that it is on', jobs: 4, enabled_jobs: 3, paused_jobs: 0 },
  },
});

/** Every visible element whose text or box is cut: described for the assertion message. */
async function clipped(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.getAttribute('aria-label') ? `[${el.getAttribute('aria-label')}]` : ''} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    const visible = (el: Element) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && !el.closest('.sr-only');
    };
    const ctx = document.createElement('canvas').getContext('2d')!;
    const docW = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > docW) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${docW})`);
    for (const el of Array.from(document.querySelectorAll('input, textarea, button, h1, h2, h3, label, legend, th, [role="status"]'))) {
      if (!visible(el)) continue;
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)}: content ${el.scrollWidth} px in ${el.clientWidth} px`);
    }
    for (const el of Array.from(document.querySelectorAll('select')) as HTMLSelectElement[]) {
      if (!visible(el)) continue;
      const cs = getComputedStyle(el);
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      const shown = el.selectedOptions[0]?.textContent ?? '';
      const need = ctx.measureText(shown).width;
      // The room for the text: the box less its padding and the drop-down arrow.
      const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 18;
      if (need > room) out.push(`select#${el.id} shows "${shown}" (${Math.round(need)} px) in ${Math.round(room)} px`);
    }
    for (const el of Array.from(document.querySelectorAll('main *, header *, nav *'))) {
      if (!visible(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > docW + 1) out.push(`${name(el)}: runs off the window (right edge ${Math.round(r.right)} > ${docW})`);
    }
    return out;
  });
}

async function showView(page: Page, tab: string) {
  await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
  await page.getByRole('heading', { name: tab, exact: true }).waitFor();
}

describe('layout', () => {
  for (const size of SIZES) {
    it(`nothing is clipped on any page at ${size.width}x${size.height}`, async () => {
      const page = await open(env, fixture(), size);
      await page.getByTestId('job-1').waitFor();
      const problems: Record<string, string[]> = {};
      const check = async (what: string) => {
        const p = await clipped(page);
        if (p.length) problems[what] = p;
      };
      await check('jobs');
      for (const tab of ['Progress', 'History', 'Conflicts', 'Settings']) {
        await showView(page, tab);
        await check(tab);
      }
      // The job form, with every choice of every select shown in turn.
      await showView(page, 'Jobs');
      await page.getByRole('button', { name: 'Add job' }).click();
      await page.getByRole('heading', { name: 'Add a job' }).waitFor();
      await check('job form');
      for (const id of ['f-encryption', 'f-mode', 'f-conflict_policy', 'f-trigger']) {
        const values = await page.locator(`#${id} option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
        for (const v of values) {
          await page.locator(`#${id}`).selectOption(v);
          await check(`job form, ${id} = ${v}`);
        }
      }
      await page.locator('#f-trigger').selectOption('realtime');
      if (size.width === 1024) await screenshot(page, 'layout-jobform');
      expect(problems).toEqual({});
      expect(jsErrors(page)).toEqual([]);
      await page.close();
    });
  }

  it('header and sidebar stay put while a long page scrolls', async () => {
    const many = Array.from({ length: 12 }, (_, i) => job(i + 1, `Job ${i + 1}`));
    for (const size of SIZES) {
      const page = await open(env, { responses: { list_jobs: many } }, size);
      await page.getByTestId('job-12').waitFor();
      const before = await page.evaluate(() => ({
        header: document.querySelector('header')!.getBoundingClientRect().top,
        nav: document.querySelector('nav')!.getBoundingClientRect().top,
      }));
      const scrolled = await page.evaluate(() => {
        const main = document.querySelector('main')!;
        main.scrollTop = main.scrollHeight;
        window.scrollTo(0, document.body.scrollHeight);
        return main.scrollTop;
      });
      expect(scrolled).toBeGreaterThan(0);
      await page.getByTestId('job-12').waitFor();
      const after = await page.evaluate(() => ({
        header: document.querySelector('header')!.getBoundingClientRect().top,
        nav: document.querySelector('nav')!.getBoundingClientRect().top,
      }));
      expect(after).toEqual(before);
      expect(await page.getByRole('button', { name: 'Sync all jobs now' }).isVisible()).toBe(true);
      expect(await page.getByRole('tab', { name: 'Settings' }).isVisible()).toBe(true);
      if (size.width === 1024) await screenshot(page, 'layout-scrolled');
      await page.close();
    }
  });

  it('opening History with 10,000 activity rows: CPU time of the web process (printed)', async () => {
    const rows: { rows: number; runs: number; cpuSeconds: number; domRows: number }[] = [];
    for (const n of [1_000, 10_000]) {
      const page = await open(env, { responses: { list_jobs: sampleJobs(), history: Array.from({ length: 1000 }, (_, i) => run(i + 1)), activity: activityRows(n) } }, { width: 1024, height: 700 });
      await page.getByTestId('job-1').waitFor();
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const cpu = async () => {
        const { metrics } = await cdp.send('Performance.getMetrics');
        // TaskDuration: time the renderer's main thread was busy (script, style, layout,
        // paint), the web process's share of opening the page.
        return metrics.find((m: { name: string }) => m.name === 'TaskDuration')!.value as number;
      };
      const before = await cpu();
      await page.getByRole('tab', { name: 'History' }).click();
      await page.getByTestId('activity-count').getByText(`${n.toLocaleString('en-US').replace(/,/g, '')} items`, { exact: false }).waitFor();
      await page.getByTestId('activity-item').first().waitFor();
      // Let the frame that shows it finish.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const spent = (await cpu()) - before;
      rows.push({ rows: n, runs: 1000, cpuSeconds: Math.round(spent * 1000) / 1000, domRows: await page.getByTestId('activity-item').count() });
      await page.close();
    }
    console.log('\nOpening History (web process main thread, CDP TaskDuration):');
    console.table(rows);
    // What keeps the cost flat: the rows on screen do not grow with the list.
    expect(rows.map((r) => r.domRows)).toEqual([50, 50]);
  });
});
