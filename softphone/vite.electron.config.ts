import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';

// Main and preload are built one at a time (`--mode main`, `--mode preload`) so each is one
// self-contained CommonJS file: a sandboxed preload cannot require local modules, and this package
// is "type": "module", hence .cjs.
export default defineConfig(({ mode }) => {
  const entry = mode === 'preload' ? 'preload' : 'main';
  return {
    root: import.meta.dirname,
    build: {
      outDir: 'dist-electron',
      emptyOutDir: entry === 'main',
      target: 'node20',
      minify: false,
      lib: { entry: `src/electron/${entry}.ts`, formats: ['cjs'], fileName: () => `${entry}.cjs` },
      rollupOptions: { external: ['electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)] },
    },
  };
});
