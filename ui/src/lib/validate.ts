// Client-side validation of the job form, run before any command is invoked.
import type { ConflictPolicy, Encryption, Job, JobInput, Mode, Trigger } from '../bridge';

/** The form as typed: every field a string, as bound to the inputs. */
export interface JobForm {
  name: string;
  host: string;
  port: string;
  share: string;
  user: string;
  domain: string;
  password: string;
  remote_path: string;
  local_path: string;
  mode: Mode;
  conflict_policy: ConflictPolicy;
  excludes: string;
  max_delete_percent: string;
  parallel: string;
  /** When to sync: a moment after each change, every N minutes, at set times, or only when asked. */
  trigger: Trigger;
  interval_minutes: string;
  /** Times of day, "HH:MM", separated by commas or spaces. */
  times: string;
  /** Days of the week ("mon-fri", "sat, sun"); empty: every day. */
  days: string;
  /** SMB encryption: as the server asks, or required. */
  encryption: Encryption;
}

export type FormErrors = Partial<Record<keyof JobForm, string>>;

export function emptyForm(): JobForm {
  return {
    name: '',
    host: '',
    port: '',
    share: '',
    user: '',
    domain: '',
    password: '',
    remote_path: '',
    local_path: '',
    mode: 'two-way',
    conflict_policy: 'keep-both',
    excludes: '',
    max_delete_percent: '50',
    parallel: '4',
    trigger: 'realtime',
    interval_minutes: '60',
    times: '',
    days: '',
    encryption: 'auto',
  };
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** "08:00, 18:30" -> ["08:00", "18:30"]. */
export function parseTimes(s: string): string[] {
  return s.split(/[\s,;]+/).filter((t) => t !== '');
}

/** "mon-fri, sun" -> ["mon", "tue", "wed", "thu", "fri", "sun"]; null when a day is not one. */
export function parseDays(s: string): string[] | null {
  const out: string[] = [];
  for (const part of s.toLowerCase().split(/[\s,;]+/).filter((p) => p !== '')) {
    const [a, b] = part.split('-');
    const ia = DAY_NAMES.indexOf(a.slice(0, 3));
    const ib = b === undefined ? ia : DAY_NAMES.indexOf(b.slice(0, 3));
    if (ia < 0 || ib < 0 || ib < ia) return null;
    for (let i = ia; i <= ib; i++) if (!out.includes(DAY_NAMES[i])) out.push(DAY_NAMES[i]);
  }
  return out;
}

/** Days as the form shows them: a run of three or more as a range ("mon-fri"). */
export function formatDays(days: string[]): string {
  const idx = days.map((d) => DAY_NAMES.indexOf(d)).filter((i) => i >= 0).sort((x, y) => x - y);
  const parts: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    if (j - i >= 2) parts.push(`${DAY_NAMES[idx[i]]}-${DAY_NAMES[idx[j]]}`);
    else for (let k = i; k <= j; k++) parts.push(DAY_NAMES[idx[k]]);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Port text -> number; '' -> null (default port); NaN when not a whole number. */
export function parsePort(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return NaN;
  return Number(t);
}

/** null when the port is fine (empty means the default 445). */
export function portError(s: string): string | null {
  const p = parsePort(s);
  if (p === null) return null;
  if (!Number.isInteger(p) || p < 1 || p > 65535) return 'Port must be a number from 1 to 65535.';
  return null;
}

/** Host name or IP address only: no scheme, share or slashes. */
export function hostError(s: string): string | null {
  const t = s.trim();
  if (t === '') return 'Enter the server name or address.';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) || t.startsWith('\\\\') || t.startsWith('//'))
    return 'Enter only the server name or address (e.g. nas.local), not a URL.';
  if (/[\\/\s]/.test(t)) return 'The server name cannot contain slashes or spaces.';
  if (!/^(\[[0-9a-f:.]+\]|[0-9a-z_.:-]+)$/i.test(t)) return 'The server name contains characters that are not allowed.';
  return null;
}

export function shareError(s: string): string | null {
  const t = s.trim();
  if (t === '') return 'Enter the share name.';
  if (/[\\/]/.test(t)) return 'Enter only the share name; pick a folder inside it below.';
  if (/["*:<>?|\x00-\x1f]/.test(t)) return 'The share name contains characters that are not allowed.';
  return null;
}

/** Checks one exclude glob; null when it is fine. */
export function globError(g: string): string | null {
  if (/[\x00-\x1f]/.test(g)) return 'contains a control character';
  if (g.includes('\\')) return 'use / as the separator, not \\';
  let depth = 0;
  let braces = 0;
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '[') {
      if (depth) return 'has a [ inside [ ]';
      depth++;
      if (g[i + 1] === ']') return 'has an empty [ ]';
    } else if (c === ']') {
      if (!depth) return 'has a ] without [';
      depth--;
    } else if (c === '{') braces++;
    else if (c === '}') {
      if (!braces) return 'has a } without {';
      braces--;
    } else if (c === '*' && g[i + 1] === '*' && g[i + 2] === '*') return 'has *** (use ** for any depth)';
  }
  if (depth) return 'has a [ without ]';
  if (braces) return 'has a { without }';
  return null;
}

/** Excludes text (one per line, blank lines and # comments ignored) -> list. */
export function parseExcludes(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export function excludesError(text: string): string | null {
  for (const g of parseExcludes(text)) {
    const e = globError(g);
    if (e) return `"${g}" ${e}.`;
  }
  return null;
}

/** The engine's rules for a job name (src/job_rules.rs): not blank, at most 64 characters, no
 * line break or other control character. Spaces around it are trimmed when it is sent. */
export function nameError(name: string): string | null {
  const t = name.trim();
  if (t === '') return 'Enter a name for this job.';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(t)) return 'The name cannot contain line breaks, tabs or other control characters.';
  if ([...t].length > 64) return 'Keep the name to 64 characters or fewer.';
  return null;
}

/** All problems of the form, by field; empty when it can be sent. */
export function validateJobForm(f: JobForm, opts: { editing?: boolean } = {}): FormErrors {
  const errs: FormErrors = {};
  const n = nameError(f.name);
  if (n) errs.name = n;
  const h = hostError(f.host);
  if (h) errs.host = h;
  const p = portError(f.port);
  if (p) errs.port = p;
  const s = shareError(f.share);
  if (s) errs.share = s;
  if (f.user.trim() === '' && f.password !== '') errs.user = 'Enter the user name for this password.';
  if (f.local_path.trim() === '') errs.local_path = 'Choose or type the local folder.';
  if (/^\.\.?(\/|$)|(^|\/)\.\.(\/|$)/.test(f.remote_path.trim())) errs.remote_path = 'The remote folder cannot contain "..".';
  const e = excludesError(f.excludes);
  if (e) errs.excludes = e;
  const md = Number(f.max_delete_percent);
  if (!/^\d+$/.test(f.max_delete_percent.trim()) || md < 0 || md > 100)
    errs.max_delete_percent = 'Enter a percentage from 0 to 100.';
  const par = Number(f.parallel);
  if (!/^\d+$/.test(f.parallel.trim()) || par < 1 || par > 64) errs.parallel = 'Enter a number from 1 to 64.';
  if (f.trigger === 'interval') {
    const n = Number(f.interval_minutes);
    if (!/^\d+$/.test(f.interval_minutes.trim()) || n < 1 || n > 10080)
      errs.interval_minutes = 'Enter a number of minutes from 1 to 10080 (a week).';
  }
  if (f.trigger === 'schedule') {
    const times = parseTimes(f.times);
    const bad = times.find((t) => !/^([01]?\d|2[0-3]):[0-5]\d$/.test(t));
    if (times.length === 0) errs.times = 'Enter at least one time of day, for example 09:00.';
    else if (bad) errs.times = `"${bad}" is not a time of day; use HH:MM, for example 18:30.`;
    if (parseDays(f.days) === null) errs.days = 'Use day names (mon, tue, ... sun) or ranges like mon-fri.';
  }
  void opts;
  return errs;
}

/** Only the server fields (for Test connection and Browse). */
export function validateServer(f: JobForm): FormErrors {
  const all = validateJobForm(f);
  const errs: FormErrors = {};
  for (const k of ['host', 'port', 'share', 'user'] as const) if (all[k]) errs[k] = all[k];
  return errs;
}

export function formToServer(f: JobForm) {
  return {
    host: f.host.trim(),
    port: parsePort(f.port),
    share: f.share.trim(),
    user: f.user.trim(),
    domain: f.domain.trim() === '' ? null : f.domain.trim(),
    password: f.password === '' ? null : f.password,
  };
}

/** Remote folder as the engine wants it: no leading/trailing slashes, '/' separators. */
export function normalizeRemotePath(p: string): string {
  return p
    .trim()
    .replace(/\\/g, '/')
    .split('/')
    .filter((x) => x !== '' && x !== '.')
    .join('/');
}

export function formToInput(f: JobForm): JobInput {
  return {
    name: f.name.trim(),
    local_path: f.local_path.trim(),
    server: formToServer(f),
    remote_path: normalizeRemotePath(f.remote_path),
    mode: f.mode,
    conflict_policy: f.conflict_policy,
    excludes: parseExcludes(f.excludes),
    max_delete_percent: Number(f.max_delete_percent),
    parallel: Number(f.parallel),
    when: {
      trigger: f.trigger,
      interval_minutes: /^\d+$/.test(f.interval_minutes.trim()) ? Number(f.interval_minutes) : 60,
      times: f.trigger === 'schedule' ? parseTimes(f.times) : [],
      days: f.trigger === 'schedule' ? (parseDays(f.days) ?? []) : [],
    },
    encryption: f.encryption,
  };
}

/** Best-effort split of a job's remote_url ("smb://user@host:port/share/path") into form fields. */
export function formFromJob(
  j: Pick<
    Job,
    | 'name'
    | 'local_path'
    | 'remote_url'
    | 'mode'
    | 'conflict_policy'
    | 'excludes'
    | 'max_delete_percent'
    | 'parallel'
  > &
    Partial<Pick<Job, 'when' | 'encryption'>>,
): JobForm {
  const f = emptyForm();
  f.name = j.name;
  f.local_path = j.local_path;
  f.mode = j.mode;
  f.conflict_policy = j.conflict_policy;
  f.excludes = j.excludes.join('\n');
  f.max_delete_percent = String(j.max_delete_percent);
  f.parallel = String(j.parallel);
  if (j.encryption) f.encryption = j.encryption;
  if (j.when) {
    f.trigger = j.when.trigger;
    f.interval_minutes = String(j.when.interval_minutes);
    f.times = j.when.times.join(', ');
    f.days = formatDays(j.when.days);
  }
  const m = /^smb:\/\/(?:([^@/]*)@)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/([^/]+)\/?(.*)$/i.exec(j.remote_url);
  if (m) {
    const userPart = m[1] ? decodeURIComponent(m[1]) : '';
    const semi = userPart.indexOf(';');
    if (semi >= 0) {
      f.domain = userPart.slice(0, semi);
      f.user = userPart.slice(semi + 1);
    } else f.user = userPart;
    f.host = m[2];
    f.port = m[3] ?? '';
    f.share = decodeURIComponent(m[4]);
    f.remote_path = decodeURIComponent(m[5] ?? '');
  }
  return f;
}
