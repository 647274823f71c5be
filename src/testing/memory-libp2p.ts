/**
 * A started libp2p node as the mesh builds it (`createMeshLibp2p`), on `@libp2p/memory` at `/memory/<address>`, with
 * small limits and no services of the node on top: for tests of the libp2p assembly itself.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { memory } from '@libp2p/memory'
import { createMeshLibp2p, type MeshLibp2p, type MeshLibp2pOptions } from '../net/index.ts'

/** The small limits and no-STUN setting of a libp2p node in tests of the assembly (whatever its transport). */
export const TEST_LIBP2P_LIMITS: Pick<MeshLibp2pOptions, 'rtcConfiguration' | 'allowPrivateAddresses' | 'maxConnections' |
  'inboundConnectionThreshold' | 'maxIncomingPendingConnections' | 'dialTimeoutMs'> = {
  rtcConfiguration: { iceServers: [] },
  allowPrivateAddresses: true,
  maxConnections: 10,
  inboundConnectionThreshold: 10,
  maxIncomingPendingConnections: 10,
  dialTimeoutMs: 5000
}

export async function startMemoryLibp2p (address: string, userAgent = 'zentalk-libp2p-test'): Promise<MeshLibp2p> {
  const node = await createMeshLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [`/memory/${address}`],
    transports: [memory()],
    ...TEST_LIBP2P_LIMITS,
    userAgent
  })
  await node.start()
  return node
}
