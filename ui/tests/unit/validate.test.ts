import { describe, expect, it } from 'vitest';
import {
  emptyForm,
  excludesError,
  formFromJob,
  formToInput,
  formatDays,
  parseDays,
  parseTimes,
  globError,
  hostError,
  normalizeRemotePath,
  parseExcludes,
  portError,
  validateJobForm,
  validateServer,
  type JobForm,
} from '../../src/lib/validate';

function good(): JobForm {
  return { ...emptyForm(), name: 'Docs', host: 'nas.local', share: 'files', user: 'me', password: 'pw', local_path: '/home/me/Docs' };
}

describe('validateJobForm', () => {
  it('accepts a complete form', () => {
    expect(validateJobForm(good())).toEqual({});
  });
  it('requires name, host, share and local folder', () => {
    const e = validateJobForm(emptyForm());
    expect(Object.keys(e).sort()).toEqual(['host', 'local_path', 'name', 'share']);
    expect(validateJobForm({ ...good(), name: '   ' }).name).toMatch(/name/);
    // The engine's name rules: no line break or control character, at most 64 characters.
    expect(validateJobForm({ ...good(), name: 'two\nlines' }).name).toMatch(/line breaks/);
    expect(validateJobForm({ ...good(), name: 'tab\there' }).name).toMatch(/control/);
    expect(validateJobForm({ ...good(), name: 'n'.repeat(65) }).name).toMatch(/64/);
    expect(validateJobForm({ ...good(), name: 'ü'.repeat(64) }).name).toBeUndefined();
  });
  it('checks the port range', () => {
    expect(portError('')).toBeNull();
    expect(portError('445')).toBeNull();
    expect(portError('1')).toBeNull();
    expect(portError('65535')).toBeNull();
    expect(portError('0')).toMatch(/1 to 65535/);
    expect(portError('65536')).toMatch(/1 to 65535/);
    expect(portError('44a')).toMatch(/1 to 65535/);
    expect(portError('-1')).toMatch(/1 to 65535/);
    expect(validateJobForm({ ...good(), port: '70000' }).port).toBeTruthy();
  });
  it('rejects URLs and paths as host', () => {
    expect(hostError('nas.local')).toBeNull();
    expect(hostError('192.168.1.10')).toBeNull();
    expect(hostError('[fe80::1]')).toBeNull();
    expect(hostError('smb://nas/files')).toMatch(/not a URL/);
    expect(hostError('\\\\nas\\files')).toMatch(/not a URL/);
    expect(hostError('nas/files')).toMatch(/slashes/);
    expect(hostError('nas local')).toMatch(/spaces/);
  });
  it('rejects a share with slashes', () => {
    expect(validateJobForm({ ...good(), share: 'files/sub' }).share).toMatch(/share name/);
  });
  it('wants a user when a password is given', () => {
    expect(validateJobForm({ ...good(), user: '' }).user).toBeTruthy();
    expect(validateJobForm({ ...good(), user: '', password: '' }).user).toBeUndefined();
  });
  it('checks numbers', () => {
    expect(validateJobForm({ ...good(), max_delete_percent: '101' }).max_delete_percent).toBeTruthy();
    expect(validateJobForm({ ...good(), parallel: '0' }).parallel).toBeTruthy();
  });
  it('validateServer only reports server fields', () => {
    expect(Object.keys(validateServer({ ...emptyForm(), port: '0' })).sort()).toEqual(['host', 'port', 'share']);
  });
});

describe('exclude globs', () => {
  it('accepts ordinary globs', () => {
    for (const g of ['*.tmp', 'node_modules/', '**/build/**', '[Tt]humbs.db', '*.{jpg,png}', '~$*']) expect(globError(g)).toBeNull();
  });
  it('rejects broken globs', () => {
    expect(globError('[abc')).toMatch(/\[ without \]/);
    expect(globError('abc]')).toMatch(/\] without \[/);
    expect(globError('*.{a,b')).toMatch(/\{ without \}/);
    expect(globError('a}')).toMatch(/\} without \{/);
    expect(globError('[]')).toMatch(/empty/);
    expect(globError('dir\\file')).toMatch(/separator/);
    expect(globError('***')).toMatch(/\*\*\*/);
    expect(globError('a\tb')).toMatch(/control/);
  });
  it('parses lines, skipping blanks and comments', () => {
    expect(parseExcludes('*.tmp\n\n  # comment\r\n build/ \n')).toEqual(['*.tmp', 'build/']);
    expect(excludesError('*.tmp\n[bad')).toBe('"[bad" has a [ without ].');
    expect(excludesError('*.tmp\n')).toBeNull();
  });
});

describe('conversion', () => {
  it('builds the JobInput', () => {
    const i = formToInput({ ...good(), port: '4450', excludes: '*.tmp\n\nbuild/', remote_path: '/Projects//2026/', domain: '' });
    expect(i).toEqual({
      name: 'Docs',
      local_path: '/home/me/Docs',
      server: { host: 'nas.local', port: 4450, share: 'files', user: 'me', domain: null, password: 'pw' },
      remote_path: 'Projects/2026',
      mode: 'two-way',
      conflict_policy: 'keep-both',
      excludes: ['*.tmp', 'build/'],
      max_delete_percent: 50,
      parallel: 4,
      when: { trigger: 'realtime', interval_minutes: 60, times: [], days: [] },
      encryption: 'auto',
    });
    expect(formToInput({ ...good(), encryption: 'required' }).encryption).toBe('required');
    expect(formToInput({ ...good(), password: '' }).server.password).toBeNull();
    expect(formToInput(good()).server.port).toBeNull();
  });
  it('parses and shows days and times of a schedule', () => {
    expect(parseDays('mon-fri, sun')).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sun']);
    expect(parseDays('Saturday')).toEqual(['sat']);
    expect(parseDays('')).toEqual([]);
    expect(parseDays('fri-mon')).toBeNull();
    expect(parseDays('someday')).toBeNull();
    expect(formatDays(['mon', 'tue', 'wed', 'thu', 'fri', 'sun'])).toBe('mon-fri, sun');
    expect(formatDays(['sat', 'sun'])).toBe('sat, sun');
    expect(parseTimes(' 08:00, 18:30;21:00 ')).toEqual(['08:00', '18:30', '21:00']);
    const i = formToInput({ ...good(), trigger: 'schedule', times: '7:15', days: 'mon-wed' });
    expect(i.when).toEqual({ trigger: 'schedule', interval_minutes: 60, times: ['7:15'], days: ['mon', 'tue', 'wed'] });
    expect(validateJobForm({ ...good(), trigger: 'schedule', times: '' }).times).toMatch(/at least one time/);
    expect(validateJobForm({ ...good(), trigger: 'interval', interval_minutes: '0' }).interval_minutes).toMatch(/minutes/);
    expect(validateJobForm({ ...good(), trigger: 'manual', interval_minutes: 'x' })).toEqual({});
  });
  it('normalizes remote paths', () => {
    expect(normalizeRemotePath('\\a\\b\\')).toBe('a/b');
    expect(normalizeRemotePath('./a/./b')).toBe('a/b');
    expect(normalizeRemotePath('')).toBe('');
  });
  it('splits a remote URL back into fields', () => {
    const f = formFromJob({
      name: 'N', local_path: '/l', remote_url: 'smb://CORP;alice@nas.local:4450/files/Projects/A%20B', mode: 'upload',
      conflict_policy: 'ask', excludes: ['*.tmp', 'x/'], max_delete_percent: 20, parallel: 2,
    });
    expect(f).toMatchObject({ host: 'nas.local', port: '4450', share: 'files', user: 'alice', domain: 'CORP', remote_path: 'Projects/A B', excludes: '*.tmp\nx/', mode: 'upload', encryption: 'auto' });
    expect(formFromJob({ ...f, name: 'x', remote_url: 'smb://nas/s', excludes: [], max_delete_percent: 1, parallel: 1, encryption: 'required' }).encryption).toBe('required');
    expect(formFromJob({ ...f, name: 'x', local_path: '/l', remote_url: 'smb://nas/share', excludes: [], max_delete_percent: 1, parallel: 1 })).toMatchObject({ host: 'nas', share: 'share', user: '', port: '', remote_path: '' });
  });
});
