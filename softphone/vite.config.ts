import { defineConfig } from 'vite';

// Relative base so the same build works at /phone on the agent, from file:// or app:// in Electron.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline modulepreload polyfill: the CSP allows only same-origin scripts.
    modulePreload: { polyfill: false },
  },
});
