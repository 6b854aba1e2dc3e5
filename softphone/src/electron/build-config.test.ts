/** The installer configuration carries what a release needs: fuses, .deb metadata, the URL handlers. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
interface BuilderConfig {
  asar: boolean;
  electronFuses: Record<string, boolean>;
  linux: { maintainer: string; mimeTypes: string[] };
}
const builder = parse(readFileSync(new URL('electron-builder.yml', root), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  homepage: string;
  description: string;
  author: { email: string };
};

describe('electron-builder.yml', () => {
  it('flips the Electron fuses (no run-as-node, no NODE_OPTIONS/--inspect, encrypted cookies, asar only)', () => {
    expect(builder.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(builder.asar).toBe(true);
  });

  it('has the metadata a .deb needs (homepage, maintainer with e-mail, description) and the URL handlers', () => {
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.author.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/);
    expect(pkg.description).toBeTruthy();
    expect(builder.linux.maintainer).toMatch(/<[^@\s]+@[^@\s]+>$/);
    expect(builder.linux.mimeTypes).toEqual(
      expect.arrayContaining(['x-scheme-handler/sip', 'x-scheme-handler/tel']),
    );
  });
});
