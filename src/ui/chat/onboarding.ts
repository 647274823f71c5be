/**
 * The first screen of a new identity: its address (to share), an optional display name, and the way to bring an
 * existing identity instead (a backup file).
 */
import { displayNameProblem } from '../../node/index.ts'
import { button, copyableAddress, field, formError, h, uniqueId } from './dom.ts'
import { describeError } from './format.ts'
import { createImportForm } from './import-form.ts'
import type { ChatIdentity } from './types.ts'

export interface OnboardingActions {
  /** Onboarding is done: show the chats. */
  onStarted: () => void
  /** Something failed after the onboarding screen was left. */
  onAlert: (text: string) => void
}

export function createOnboarding (identity: ChatIdentity, { onStarted, onAlert }: OnboardingActions): HTMLElement {
  const titleId = uniqueId('onboarding-title')
  const name = h('input', { testid: 'display-name', attrs: { type: 'text', autocomplete: 'nickname', maxlength: '64' } })
  name.value = identity.displayName ?? ''
  const start = button('Start chatting', { testid: 'onboarding-start', type: 'submit' })
  const error = formError()
  const form = h('form', { className: 'start-form' }, [
    field('Display name (optional)', name, 'Shown to the people you write to. You can change it later.'),
    h('div', { className: 'actions' }, [start]),
    error
  ])

  form.addEventListener('submit', event => {
    event.preventDefault()
    const chosen = name.value.trim().normalize('NFC')
    const problem = displayNameProblem(chosen)
    if (problem !== undefined) {
      error.textContent = `This name cannot be used: ${problem}.`
      name.focus()
      return
    }
    error.textContent = ''
    onStarted()
    // Saving the name reloads the page (to publish it in the key bundle); onboarding is done by then.
    if (chosen !== (identity.displayName ?? '')) {
      identity.setDisplayName(chosen).catch((err: unknown) => { onAlert(describeError('Could not save your display name', err)) })
    }
  })

  return h('section', { className: 'onboarding card', testid: 'onboarding', attrs: { 'aria-labelledby': titleId } }, [
    h('h2', { text: 'Welcome to ZenTalk', attrs: { id: titleId } }),
    h('p', { text: 'This browser has a new identity. This is your address; share it so people can write to you:' }),
    copyableAddress(identity.address, 'your-address'),
    h('p', { className: 'muted', text: 'Messages are end-to-end encrypted and stored, in pieces, on the browsers of the mesh.' }),
    form,
    h('div', { className: 'or' }, [h('span', { text: 'or' })]),
    createImportForm(identity, 'Import a backup instead')
  ])
}
