import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built by `npm run build:ui` (npm ci runs it) into dist/ui, which the service serves at /ui.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  // Preact's JSX runtime, without a Babel-based plugin: Vite's own transform does it.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
  },
  server: { proxy: { '^/(?!ui)': 'http://127.0.0.1:8000' } },
});
