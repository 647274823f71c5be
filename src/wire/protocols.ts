/** Protocol IDs of ZenTalk Mesh. Every node of one mesh must use the same values. */

/** Kademlia DHT protocol: a private DHT, so tabs never mix with the public IPFS DHT. */
export const KAD_PROTOCOL = '/zentalk/kad/1.0.0'

/**
 * Served by every storage node (tabs and headless nodes) and by nothing else: identify lists it, and that is
 * how placement tells storage nodes from relays. Answers with the node's info (see node-info.ts).
 */
export const STORAGE_NODE_PROTOCOL = '/zentalk/storage-node/1.0.0'

/**
 * Closest peers: "which live storage nodes do you know closest to this key", answered from what the node knows,
 * with no lookup and no dial. Nodes with a connection budget ask the storage nodes they are connected to.
 */
export const CLOSEST_PROTOCOL = '/zentalk/closest/1.0.0'

/**
 * Backbone directory: an operator node (a storage node without a connection budget) tells the operator nodes it is
 * connected to which storage nodes within a connection budget (tabs) hold connections to it, so every operator can
 * answer CLOSEST_PROTOCOL with tabs it never met. Frames of the closest-peers answer, the last one short.
 */
export const DIRECTORY_PROTOCOL = '/zentalk/directory/1.0.0'
