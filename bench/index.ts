// `npm run bench`: every benchmark that runs in Node, one after another. Each prints its own figures.
await import('./erasure.ts')

export {}
