// Builds every page script into frontend/dist with a manifest that Django's
// {% vite_entry %} tag reads; Django serves the files as static assets.
import { defineConfig } from "vitest/config";

// One entry per page script; add a page here when you add src/pages/<name>.ts.
const pages = ["base"];

export default defineConfig({
  base: "/static/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    rollupOptions: {
      input: Object.fromEntries(pages.map((name) => [name, `src/pages/${name}.ts`])),
    },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    environment: "node",
  },
});
