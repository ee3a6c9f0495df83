// The screen a freshly built window opens on. The app builds the window when it opens (and
// destroys it when it closes); a tray item or notification that opens it on a given screen
// cannot send `navigate` to a page still loading, so the app sets this global before the page's
// scripts run (src-tauri/src/window.rs).
import type { View } from '../store.svelte';

const VIEWS: readonly View[] = ['jobs', 'progress', 'history', 'conflicts', 'settings'];

export function startView(): View {
  const v = (window as unknown as { __ANEMONE_START_VIEW__?: unknown }).__ANEMONE_START_VIEW__;
  return VIEWS.includes(v as View) ? (v as View) : 'jobs';
}
