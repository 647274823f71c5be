/** The "restore from a backup" form, shown in onboarding and in the identity view. */
import { button, field, formError, formStatus, h } from './dom.ts'
import { describeError } from './format.ts'
import type { ChatIdentity } from './types.ts'

/** A backup file is a few hundred bytes; a much larger file is certainly something else. */
const MAX_FILE_BYTES = 64 * 1024

export function createImportForm (identity: ChatIdentity, heading: string): HTMLFormElement {
  const file = h('input', { testid: 'import-file', attrs: { type: 'file', accept: '.json,application/json' } })
  const passphrase = h('input', { testid: 'import-passphrase', attrs: { type: 'password', autocomplete: 'current-password' } })
  const submit = button('Import', { testid: 'import-submit', type: 'submit' })
  const error = formError()
  const status = formStatus()
  const form = h('form', { className: 'import-form' }, [
    h('h3', { text: heading }),
    h('p', { className: 'muted', text: 'Restoring a backup replaces the identity of this browser with the one in the file. The page reloads as that identity.' }),
    field('Backup file', file),
    field('Passphrase of the backup', passphrase),
    h('div', { className: 'actions' }, [submit]),
    error,
    status
  ])

  form.addEventListener('submit', event => {
    event.preventDefault()
    error.textContent = ''
    const chosen = file.files?.[0]
    if (chosen === undefined) {
      error.textContent = 'Choose your backup file (zentalk-backup-….json) first.'
      file.focus()
      return
    }
    if (chosen.size > MAX_FILE_BYTES) {
      error.textContent = `“${chosen.name}” is too large to be a ZenTalk backup; choose the zentalk-backup-….json file.`
      return
    }
    if (passphrase.value === '') {
      error.textContent = 'Enter the passphrase you chose when you exported the backup.'
      passphrase.focus()
      return
    }
    submit.disabled = true
    status.textContent = 'Opening the backup… (this takes a few seconds)'
    void (async () => {
      try {
        await identity.importBackup(await chosen.text(), passphrase.value)
        status.textContent = 'Backup restored; reloading…'
      } catch (err) {
        status.textContent = ''
        error.textContent = describeError('Could not import the backup', err)
        passphrase.focus()
        passphrase.select()
      } finally {
        submit.disabled = false
      }
    })()
  })
  return form
}
