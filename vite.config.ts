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
    // elkjs, the lineage graph's layout engine, is 1.5 MB minified: its own chunk, loaded with the Lineage view
    chunkSizeWarningLimit: 1600,
  },
});
