import { defineConfig } from 'vitest/config';

// No React plugin: esbuild's automatic JSX runtime is all the build needs (fast refresh is not).
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: 'safari15',
    outDir: 'dist',
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      // antd marks its modules "use client" for React Server Components; meaningless in a desktop app.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    testTimeout: 60000,
  },
});
