/**
 * Small DOM helpers for the chat views. Text goes in as text nodes (`append` of strings, `textContent`), never
 * as HTML, so nothing a peer sends can become markup.
 */

export interface ElementOptions {
  className?: string
  text?: string
  /** The stable `data-testid` the browser tests select on. */
  testid?: string
  attrs?: Record<string, string>
}

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, options: ElementOptions = {}, children: Array<Node | string> = []): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (options.className !== undefined) element.className = options.className
  if (options.testid !== undefined) element.dataset.testid = options.testid
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value)
  if (options.text !== undefined) element.textContent = options.text
  element.append(...children)
  return element
}

let ids = 0
/** A document-unique id, to tie labels and descriptions to their controls. */
export function uniqueId (prefix: string): string {
  return `${prefix}-${++ids}`
}

/** A labelled form field: `<div class="field"><label for=…>…</label>control</div>`. */
export function field (labelText: string, control: HTMLInputElement | HTMLTextAreaElement, hint?: string): HTMLElement {
  control.id = control.id === '' ? uniqueId('field') : control.id
  const label = h('label', { text: labelText, attrs: { for: control.id } })
  const children: Node[] = [label, control]
  if (hint !== undefined) {
    const hintEl = h('small', { className: 'field-hint', text: hint, attrs: { id: uniqueId('hint') } })
    control.setAttribute('aria-describedby', hintEl.id)
    children.push(hintEl)
  }
  return h('div', { className: 'field' }, children)
}

export function button (text: string, options: ElementOptions & { type?: 'button' | 'submit' } = {}): HTMLButtonElement {
  const element = h('button', { ...options, text })
  element.type = options.type ?? 'button'
  return element
}

/** The error line of a form: announced when it changes, empty (and collapsed) when there is nothing wrong. */
export function formError (): HTMLElement {
  return h('p', { className: 'form-error', attrs: { role: 'alert' } })
}

/** The progress line of a form, announced politely. */
export function formStatus (): HTMLElement {
  return h('p', { className: 'form-status', attrs: { role: 'status', 'aria-live': 'polite' } })
}

const listKeys = new WeakMap<Element, string>()

/**
 * Makes `parent`'s children show `items` in order, reusing the element of each key (created once, then
 * `update`d), so focus, selection and scroll survive re-renders and unchanged rows are not touched.
 */
export function reconcileList<T, E extends HTMLElement> (parent: HTMLElement, items: readonly T[], keyOf: (item: T) => string,
  create: (item: T) => E, update: (element: E, item: T) => void): void {
  const existing = new Map<string, E>()
  for (const child of [...parent.children]) {
    const key = listKeys.get(child)
    if (key !== undefined) existing.set(key, child as E)
    else child.remove()
  }
  let cursor: Element | null = parent.firstElementChild
  for (const item of items) {
    const key = keyOf(item)
    let element = existing.get(key)
    if (element === undefined) {
      element = create(item)
      listKeys.set(element, key)
    }
    existing.delete(key)
    update(element, item)
    if (element === cursor) cursor = cursor.nextElementSibling
    else parent.insertBefore(element, cursor)
  }
  for (const leftover of existing.values()) leftover.remove()
}

/** Copies `text` to the clipboard; false when the browser does not allow it (then the user copies by hand). */
export async function copyToClipboard (text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

/** An address shown in full, with a button that copies it and says whether that worked. */
export function copyableAddress (address: string, testid?: string): HTMLElement {
  const code = h('code', { className: 'address', text: address, ...(testid === undefined ? {} : { testid }) })
  const status = h('span', { className: 'copy-status', attrs: { role: 'status', 'aria-live': 'polite' } })
  const copy = button('Copy', { className: 'secondary', attrs: { 'aria-label': 'Copy the address' } })
  copy.addEventListener('click', () => {
    void copyToClipboard(address).then(copied => {
      if (copied) {
        status.textContent = 'Copied'
        return
      }
      // Select it so Ctrl+C / long-press copies it.
      const range = document.createRange()
      range.selectNodeContents(code)
      const selection = window.getSelection()
      selection?.removeAllRanges()
      selection?.addRange(range)
      status.textContent = 'Selected: copy it with Ctrl+C'
    })
  })
  return h('p', { className: 'address-line' }, [code, ' ', copy, ' ', status])
}

/** Offers `text` as a file download. */
export function downloadText (text: string, fileName: string, host: HTMLElement): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }))
  const link = h('a', { attrs: { href: url, download: fileName } })
  link.hidden = true
  host.append(link)
  link.click()
  link.remove()
  // Revoked later: some browsers start reading the Blob only after the click handler returns.
  setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
}

/** Offers `bytes` as a file download named `fileName`. */
export function downloadBytes (bytes: Uint8Array, fileName: string, type: string, host: HTMLElement): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: type === '' ? 'application/octet-stream' : type }))
  const link = h('a', { attrs: { href: url, download: fileName } })
  link.hidden = true
  host.append(link)
  link.click()
  link.remove()
  setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
}
