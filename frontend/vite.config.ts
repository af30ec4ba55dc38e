// Builds every page script into frontend/dist with a manifest that Django's
// {% vite_entry %} tag reads; Django serves the files as static assets.
import { readdirSync } from "node:fs";
import { defineConfig } from "vitest/config";

// Every src/pages/<name>.ts is an entry point: adding a page needs no edit here.
const pages = readdirSync("src/pages")
  .filter((file) => file.endsWith(".ts"))
  .map((file) => file.replace(/\.ts$/, ""));

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
