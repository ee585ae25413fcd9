import { defineConfig } from 'vite';

// The bare shell's page (bench/bare-shell), built with the app's own toolchain: `cargo xtask bench app`.
export default defineConfig({
  root: 'bare',
  esbuild: { jsx: 'automatic' },
  clearScreen: false,
  build: { target: 'safari15', outDir: '../dist-bare', emptyOutDir: true },
});
