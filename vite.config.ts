import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The renderer: a static bundle loaded by Electron from file:// or served by `claims ui`.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
});
