import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      // Error classes take their `name` from the class name (src/errors); keep it through minification.
      output: { keepNames: true }
    }
  },
  server: {
    // `npm run dev` serves the page only; point it at a running relay with ?relay=<multiaddr>.
    host: '127.0.0.1'
  }
})
