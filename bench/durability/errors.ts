import { ZenTalkError } from '../../src/errors/index.ts'

/** A durability model input (class, policy, scenario) that the model cannot evaluate; nothing was computed. */
export class InvalidModelInputError extends ZenTalkError {}

/** DURABILITY.md has no block the table script can fill, or one it cannot parse. */
export class DurabilityDocError extends ZenTalkError {}
