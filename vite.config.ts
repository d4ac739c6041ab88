// Builds the renderer (renderer/index.html) into dist/renderer with relative asset paths for file:// and headless serving.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // A polyfill would be fine under the CSP (it is bundled), but every supported browser has modulepreload.
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
});
