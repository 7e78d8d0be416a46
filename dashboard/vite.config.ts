// Build: dashboard/dist with hashed bundles under assets/, as the hub serves
// them (src/api/static_files.cc). No CDN: everything is bundled.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2020",
    // One small bundle: the app is a few views, no lazy chunks needed.
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev` against a hub (or tests/browser/mock-server.mjs) on 8080.
    proxy: { "/v1": "http://127.0.0.1:8080", "/metrics": "http://127.0.0.1:8080" },
  },
});
