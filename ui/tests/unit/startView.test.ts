import { afterEach, describe, expect, it, vi } from 'vitest';
import { startView } from '../../src/lib/startView';

describe('startView', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('opens on the screen the app asked for when it built the window', () => {
    vi.stubGlobal('window', { __ANEMONE_START_VIEW__: 'conflicts' });
    expect(startView()).toBe('conflicts');
  });
  it('opens on the jobs without one, or with something that is no screen', () => {
    vi.stubGlobal('window', {});
    expect(startView()).toBe('jobs');
    vi.stubGlobal('window', { __ANEMONE_START_VIEW__: '<img onerror=x>' });
    expect(startView()).toBe('jobs');
  });
});
