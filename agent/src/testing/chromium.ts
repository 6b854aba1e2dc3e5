/**
 * TEST-ONLY: Debian's headless Chromium (driven by playwright-core) set up for WebRTC tests: a fake
 * microphone playing a WAV file, fake permission prompts, WebRTC over loopback without mDNS host
 * candidates, autoplay allowed, audio output muted, no background traffic.
 */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Command-line flags for every agent-side Chromium test; `microphoneWav` is what getUserMedia hears. */
export function chromiumArgs(microphoneWav: string): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${microphoneWav}`,
    '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--autoplay-policy=no-user-gesture-required',
    '--mute-audio',
  ];
}

/** A browser (each test makes its own contexts). */
export function launchChromium(microphoneWav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(microphoneWav),
    timeout: 60_000,
  });
}

/** A persistent context with its profile in `profileDir` (one page is already open). */
export function launchChromiumContext(profileDir: string, microphoneWav: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(microphoneWav),
  });
}
