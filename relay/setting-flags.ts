/**
 * The node settings a headless process takes as flags (`--lost-after-ms 0`): each is a `NodeSettings` name in
 * kebab case, parsed by `parseNodeSettings` like a tab's URL parameter.
 */
import { parseNodeSettings, type NodeSettings } from '../src/config/index.ts'

export const nodeSettingFlags = {
  'dial-timeout-ms': { type: 'string' },
  'lookup-timeout-ms': { type: 'string' },
  'keeper-interval-ms': { type: 'string' },
  'discovery-interval-ms': { type: 'string' },
  'liveness-grace-ms': { type: 'string' },
  'target-peers': { type: 'string' },
  'connection-budget': { type: 'string' },
  'dialer-grace-ms': { type: 'string' },
  'allow-private': { type: 'string' },
  'ice-servers': { type: 'string' },
  'storage-quota-mb': { type: 'string' },
  'owner-quota-mb': { type: 'string' },
  'health-interval-ms': { type: 'string' },
  'health-retries': { type: 'string' },
  'handoff-grace-ms': { type: 'string' },
  'lost-after-ms': { type: 'string' },
  'tab-lost-after-ms': { type: 'string' },
  'repair-threshold': { type: 'string' },
  stripes: { type: 'string' },
  'namespace-stripes': { type: 'string' },
  'operator-holders': { type: 'string' },
  'inbox-max-objects': { type: 'string' },
  'inbox-stranger-objects': { type: 'string' },
  'inbox-stranger-rate': { type: 'string' },
  'node-id-work-bits': { type: 'string' },
  'rtc-bind-address': { type: 'string' },
  'stagger-ms': { type: 'string' }
} as const

export function settingsFromFlags (values: Record<string, unknown>, defaults: Partial<NodeSettings>): NodeSettings {
  const kebab = (name: string): string => name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)
  return parseNodeSettings(name => {
    const v = values[kebab(name)]
    return v == null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]
  }, defaults)
}
