/**
 * Whether this browser can take part in WebRTC at all: it offers at least one ICE candidate (a host address, or
 * one from the page's STUN/TURN servers). A browser with none (no usable network interface, or its policy
 * withholds every address) can never complete a WebRTC connection, to tabs or to storage nodes.
 */

/**
 * How long the probe waits for a first candidate. A host candidate comes within milliseconds (70 ms on a busy
 * two-core machine); a browser that withholds every address offers none and may never end gathering. Waiting out
 * the whole time costs only such browsers seconds at startup, while giving up too early makes a tab that could open
 * WebRTC a light node for its whole life: the bound was 2 s, on a machine that ran 60 headless nodes and 3 tabs at a
 * load average of 16.
 */
export const ICE_PROBE_TIMEOUT_MS = 6_000

export interface IceProbeResult {
  /** At least one candidate was offered within the timeout. */
  usable: boolean
  /** The first candidate's type ('host', 'srflx', 'relay', ...), when one came. */
  firstCandidate?: string
  elapsedMs: number
}

export async function probeIceCandidates (iceServers: RTCIceServer[], timeoutMs = ICE_PROBE_TIMEOUT_MS): Promise<IceProbeResult> {
  const started = performance.now()
  const elapsed = (): number => Math.round(performance.now() - started)
  if (typeof RTCPeerConnection !== 'function') return { usable: false, elapsedMs: 0 }
  const pc = new RTCPeerConnection({ iceServers })
  try {
    const outcome = new Promise<IceProbeResult>(resolve => {
      const timer = setTimeout(() => { resolve({ usable: false, elapsedMs: elapsed() }) }, timeoutMs)
      const end = (result: IceProbeResult): void => { clearTimeout(timer); resolve(result) }
      pc.addEventListener('icecandidate', event => {
        const candidate = event.candidate
        if (candidate == null) end({ usable: false, elapsedMs: elapsed() })
        else if (candidate.candidate !== '') end({ usable: true, firstCandidate: candidate.type ?? 'unknown', elapsedMs: elapsed() })
      })
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') end({ usable: false, elapsedMs: elapsed() })
      })
    })
    pc.createDataChannel('zentalk-ice-probe')
    await pc.setLocalDescription(await pc.createOffer())
    return await outcome
  } finally {
    pc.close()
  }
}
