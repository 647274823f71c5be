import { parseArgs } from 'node:util'
import { describe, expect, it } from 'vitest'
import { InvalidConfigError } from '../src/errors/index.ts'
import { nodeSettingFlags, settingsFromFlags } from './setting-flags.ts'

/** The node settings of a headless command line, as `node relay storage` reads them. */
const settingsOf = (args: string[]) => settingsFromFlags(parseArgs({ args, options: nodeSettingFlags, strict: true }).values, {})

describe('node setting flags of headless nodes', () => {
  it('take the grace of tab holders as --tab-lost-after-ms, apart from --lost-after-ms', () => {
    expect(settingsOf([])).toMatchObject({ lostAfterMs: 0, tabLostAfterMs: undefined })
    expect(settingsOf(['--lost-after-ms', '259200000'])).toMatchObject({ lostAfterMs: 259_200_000, tabLostAfterMs: undefined })
    expect(settingsOf(['--lost-after-ms', '259200000', '--tab-lost-after-ms', '604800000']))
      .toMatchObject({ lostAfterMs: 259_200_000, tabLostAfterMs: 604_800_000 })
  })

  it('refuse a tab grace beyond 30 days or not a number, naming the setting', () => {
    expect(() => settingsOf(['--tab-lost-after-ms', '2592000001'])).toThrow(InvalidConfigError)
    expect(() => settingsOf(['--tab-lost-after-ms', '2592000001'])).toThrow(/tabLostAfterMs must be between 0 and 2592000000/)
    expect(() => settingsOf(['--tab-lost-after-ms', 'week'])).toThrow(/tabLostAfterMs must be a whole number/)
  })

  it('take the stripes a node accepts, the stripe of a namespace, and a threshold per stripe', () => {
    expect(settingsOf(['--stripes', '10+5,10+20', '--repair-threshold', '12,10+20=23'])).toMatchObject({
      stripes: [{ k: 10, m: 5 }, { k: 10, m: 20 }], repairThreshold: 12, repairThresholds: [{ k: 10, m: 20, threshold: 23 }]
    })
    expect(settingsOf(['--namespace-stripes', 'zentalk/history/v1=10+20'])).toMatchObject({
      stripes: [{ k: 10, m: 5 }, { k: 10, m: 20 }], namespaceStripes: [{ namespace: 'zentalk/history/v1', stripe: { k: 10, m: 20 } }]
    })
    expect(() => settingsOf(['--repair-threshold', '10+20=23'])).toThrow(/does not accept/)
    expect(settingsOf(['--operator-holders', '10+20=14']).operatorHolders).toEqual([{ k: 10, m: 20, operators: 14 }])
  })
})
