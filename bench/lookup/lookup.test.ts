import { describe, expect, it } from 'vitest'
import { runLookupScenario } from './lookup.ts'

// The lookup scenario of `npm run sim`, small: real nodes (DHT, peer keeper, holder selector, chunk service,
// health, repair) over an in-memory libp2p transport in this process. Every answer a store would place shards by
// must be the true 15 closest storage nodes, from whichever node is asked, and a node that just joined must
// answer exactly within seconds.
describe('lookup simulation', () => {
  it('100 nodes, 80 of them tab-like with a budget of 16: every asked node returns the true 15 closest storage nodes for 200 random keys, no tab exceeds its budget, and a new node is exact within 10 s', async () => {
    const misses: string[] = []
    const report = await runLookupScenario({
      nodes: 100,
      tabFraction: 0.8,
      keys: 200,
      askers: 1,
      seed: 7,
      settleSeconds: 0,
      idleSeconds: 1,
      concurrency: 4,
      tabConnectionBudget: 16,
      // The last of the 100 nodes started just before the lookups; in a running mesh every node has been up longer
      // than the 10 s in which a joining node must be exact (measured by the joiner below). Starting 100 nodes at once
      // in one process, a tab can take tens of seconds more to meet an operator node.
      warmupSeconds: 10,
      // A settled mesh: every tab has met an operator node, long enough for the operators to tell one another.
      operatorContactSeconds: 10,
      hopKeys: 20,
      log: line => { if (line.includes('miss:')) misses.push(line) }
    })
    expect(report.tabsWithoutOperatorContact).toBe(0)
    expect(report.nodes).toBe(101) // the joiner included
    expect(report.answers).toBe(200)
    expect({ exact: report.exactAnswers, minAgreement: report.minAgreement }, misses.join('\n')).toEqual({ exact: 200, minAgreement: 15 })
    expect(report.connectionBudget).toBe(16)
    expect(report.maxConnectionsPerTab).toBeLessThanOrEqual(16)
    expect(report.maxConnectionsPerTab).toBeGreaterThan(0)
    expect(report.joinExactSeconds).toBeLessThanOrEqual(10)
    expect(report.hopsP50).toBeGreaterThanOrEqual(1)
  }, 900_000)

  it('tab-like nodes whose budget is too small to connect to every storage node never exceed it, and ask their connections for exact answers', async () => {
    const misses: string[] = []
    const report = await runLookupScenario({
      nodes: 24,
      tabFraction: 0.75,
      keys: 20,
      askers: 3,
      seed: 11,
      settleSeconds: 0,
      idleSeconds: 1,
      concurrency: 4,
      tabConnectionBudget: 8,
      // Settled as above: a tab that started a few seconds before the lookups is known to the operators it met, and to
      // the others only once those have vouched for it.
      warmupSeconds: 10,
      operatorContactSeconds: 10,
      log: line => { if (line.includes('miss:')) misses.push(line) }
    })
    expect(report.tabsWithoutOperatorContact).toBe(0)
    expect(report.connectionBudget).toBe(8)
    expect(report.maxConnectionsPerTab).toBeLessThanOrEqual(8)
    expect(report.maxConnectionsPerTab).toBeGreaterThan(0)
    expect({ exact: report.exactAnswers, minAgreement: report.minAgreement }, misses.join('\n')).toEqual({ exact: 60, minAgreement: 15 })
  }, 300_000)
})
