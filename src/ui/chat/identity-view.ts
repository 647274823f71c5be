/**
 * The identity view: this browser's address, its display name, and its backup (export to a passphrase-encrypted
 * file, or replace this identity with one from a file).
 */
import { displayNameProblem } from '../../node/index.ts'
import { button, copyableAddress, downloadText, field, formError, formStatus, h, uniqueId } from './dom.ts'
import { backupFileName, describeError } from './format.ts'
import { createImportForm } from './import-form.ts'
import { passphraseProblem } from './model.ts'
import type { ChatIdentity } from './types.ts'

export function createIdentityView (identity: ChatIdentity): HTMLElement {
  const titleId = uniqueId('identity-title')
  return h('section', { className: 'identity-view', attrs: { 'aria-labelledby': titleId } }, [
    h('h2', { text: 'Your identity', attrs: { id: titleId } }),
    h('div', { className: 'card' }, [
      h('h3', { text: 'Address' }),
      h('p', { className: 'muted', text: 'People write to you at this address. It comes from this browser\'s key; nobody else can read what is sent to it.' }),
      copyableAddress(identity.address, 'your-address')
    ]),
    h('div', { className: 'card' }, [displayNameForm(identity)]),
    h('div', { className: 'card' }, [exportForm(identity)]),
    h('div', { className: 'card' }, [lockForm(identity)]),
    h('div', { className: 'card' }, [createImportForm(identity, 'Restore from a backup')])
  ])
}

function displayNameForm (identity: ChatIdentity): HTMLFormElement {
  const name = h('input', { testid: 'display-name', attrs: { type: 'text', autocomplete: 'nickname', maxlength: '64' } })
  name.value = identity.displayName ?? ''
  const save = button('Save name', { type: 'submit' })
  const error = formError()
  const status = formStatus()
  const form = h('form', {}, [
    h('h3', { text: 'Display name' }),
    field('Name', name, 'Shown to the people you write to; leave empty for none. Saving reloads the page to publish it.'),
    h('div', { className: 'actions' }, [save]),
    error,
    status
  ])
  form.addEventListener('submit', event => {
    event.preventDefault()
    const chosen = name.value.trim().normalize('NFC')
    const problem = displayNameProblem(chosen)
    error.textContent = problem === undefined ? '' : `This name cannot be used: ${problem}.`
    if (problem !== undefined) return
    if (chosen === (identity.displayName ?? '')) {
      status.textContent = 'That is already your display name.'
      return
    }
    save.disabled = true
    status.textContent = 'Saving…'
    identity.setDisplayName(chosen).catch((err: unknown) => {
      status.textContent = ''
      error.textContent = describeError('Could not save your display name', err)
    }).finally(() => { save.disabled = false })
  })
  return form
}

/**
 * Locking: the key stays in this browser only encrypted with a passphrase, asked for each time ZenTalk opens. Without
 * it, anyone who can read this browser profile's files can take the key.
 */
function lockForm (identity: ChatIdentity): HTMLFormElement {
  const passphrase = h('input', { testid: 'lock-passphrase', attrs: { type: 'password', autocomplete: 'new-password' } })
  const confirmation = h('input', { testid: 'lock-confirm', attrs: { type: 'password', autocomplete: 'new-password' } })
  const submit = button('Lock', { testid: 'lock-submit', type: 'submit' })
  const remove = button('Remove the lock', { testid: 'remove-lock', type: 'button' })
  const state = h('p', { testid: 'lock-state', className: 'muted' })
  const error = formError()
  const status = formStatus()
  const lockFields = h('div', {}, [field('Passphrase (at least 8 characters)', passphrase), field('Passphrase again', confirmation), h('div', { className: 'actions' }, [submit])])
  const unlockFields = h('div', { className: 'actions' }, [remove])
  const show = (): void => {
    state.textContent = identity.locked
      ? 'Your key is locked: this browser keeps it only encrypted with your passphrase, and asks for the passphrase each time ZenTalk opens.'
      : 'Your key is kept in this browser unencrypted: anyone who can read this browser profile\'s files can take it. Lock it with a passphrase to keep it encrypted.'
    lockFields.hidden = identity.locked
    unlockFields.hidden = !identity.locked
  }
  const form = h('form', { className: 'lock-form' }, [h('h3', { text: 'Lock with a passphrase' }), state, lockFields, unlockFields, error, status])
  show()
  onPassphraseSubmit(form, { passphrase, confirmation, submit, error, status }, {
    busy: 'Locking your key… (this takes a few seconds)',
    failure: 'Could not lock your key',
    run: async chosen => {
      await identity.lock(chosen)
      return 'Locked. Without the passphrase nobody can open this identity in this browser, you included: keep a backup too.'
    },
    after: show
  })
  remove.addEventListener('click', () => {
    remove.disabled = true
    error.textContent = ''
    identity.removeLock().then(() => { status.textContent = 'The lock is removed.' }, (err: unknown) => {
      error.textContent = describeError('Could not remove the lock', err)
    }).finally(() => {
      remove.disabled = false
      show()
    })
  })
  return form
}

function exportForm (identity: ChatIdentity): HTMLFormElement {
  const passphrase = h('input', { testid: 'export-passphrase', attrs: { type: 'password', autocomplete: 'new-password' } })
  const confirmation = h('input', { testid: 'export-confirm', attrs: { type: 'password', autocomplete: 'new-password' } })
  const submit = button('Download backup', { testid: 'export-submit', type: 'submit' })
  const error = formError()
  const status = formStatus()
  const form = h('form', { className: 'export-form' }, [
    h('h3', { text: 'Back up your identity' }),
    h('p', {
      className: 'muted',
      text: 'The backup file holds your private key, encrypted with a passphrase. With both, your identity and your ' +
        'conversations can be restored in any browser. Without them, a lost browser profile means a lost identity.'
    }),
    field('Passphrase (at least 8 characters)', passphrase),
    field('Passphrase again', confirmation),
    h('div', { className: 'actions' }, [submit]),
    error,
    status
  ])
  onPassphraseSubmit(form, { passphrase, confirmation, submit, error, status }, {
    busy: 'Encrypting your backup… (this takes a few seconds)',
    failure: 'Could not export the backup',
    run: async chosen => {
      const text = await identity.exportBackup(chosen)
      const fileName = backupFileName(identity.address)
      downloadText(text, fileName, form)
      return `Saved ${fileName}. Keep the file and its passphrase safe: together they are your identity.`
    }
  })
  return form
}

interface PassphraseFields {
  passphrase: HTMLInputElement
  confirmation: HTMLInputElement
  submit: HTMLButtonElement
  error: HTMLElement
  status: HTMLElement
}

/**
 * A form that asks for a new passphrase twice: on submit, checks the two agree and are long enough, then runs
 * `run` with it (showing `busy` meanwhile), clears both fields and shows what `run` returns, or the error.
 */
function onPassphraseSubmit (form: HTMLFormElement, fields: PassphraseFields,
  action: { busy: string, failure: string, run: (passphrase: string) => Promise<string>, after?: () => void }): void {
  const { passphrase, confirmation, submit, error, status } = fields
  form.addEventListener('submit', event => {
    event.preventDefault()
    const problem = passphraseProblem(passphrase.value, confirmation.value)
    error.textContent = problem ?? ''
    if (problem !== undefined) {
      passphrase.focus()
      return
    }
    submit.disabled = true
    status.textContent = action.busy
    void (async () => {
      try {
        const done = await action.run(passphrase.value)
        passphrase.value = ''
        confirmation.value = ''
        status.textContent = done
      } catch (err) {
        status.textContent = ''
        error.textContent = describeError(action.failure, err)
      } finally {
        submit.disabled = false
        action.after?.()
      }
    })()
  })
}
