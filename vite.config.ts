import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048
  },
  server: {
    // `npm run dev` serves the page only; point it at a running relay with ?relay=<multiaddr>.
    host: '127.0.0.1'
  }
})
