import { defineConfig } from 'vite';

// Static files only: the eventcenter server serves dist/ (index.html + hashed assets); the API is same-origin.
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: true },
  server: {
    proxy: {
      '/api': process.env.EVENTCENTER_URL ?? 'http://127.0.0.1:8080',
      '/openapi.json': process.env.EVENTCENTER_URL ?? 'http://127.0.0.1:8080',
    },
  },
});
