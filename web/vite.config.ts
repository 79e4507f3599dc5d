// Vite build of the admin console (`vite build web`): served by Sluice at /admin from web/dist,
// every asset bundled (no CDN).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  base: "/admin/",
  plugins: [react()],
  build: {
    // Relative to the Vite root, which is web/.
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
});
