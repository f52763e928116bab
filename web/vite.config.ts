/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway (make up: http://127.0.0.1:8080) answers the API while `npm run dev` serves the
// app with hot reload; override with LADDA_GATEWAY_URL.
const gateway = process.env.LADDA_GATEWAY_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  // The gateway swaps this placeholder for a fresh nonce on every page (see gateway/webapp.py);
  // Vite puts it on its tags and in <meta property="csp-nonce">, where the app reads it.
  html: { cspNonce: "__LADDA_CSP_NONCE__" },
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      "/v1": { target: gateway, changeOrigin: true },
      "/.well-known": { target: gateway, changeOrigin: true },
      "/openapi.json": { target: gateway, changeOrigin: true },
    },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
