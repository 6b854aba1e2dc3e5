/** Renderer entry: runs as a plain web page (/phone on the agent) or inside Electron with the preload bridge. */
import type { SoftphoneBridge } from '../electron/bridge-api.js';
import { startApp } from './app.js';

declare global {
  interface Window {
    softphone?: SoftphoneBridge;
  }
}

const root = document.getElementById('app');
if (root) {
  startApp({ root, bridge: window.softphone, storage: window.localStorage }).catch((err: unknown) => {
    root.textContent = `The phone failed to start: ${err instanceof Error ? err.message : String(err)}`;
  });
}
