import { defineConfig } from "vitest/config";

// Everything is bundled into dist/: the window loads nothing from the network.
export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: "es2022",
  },
  test: {
    environment: "node",
  },
});
