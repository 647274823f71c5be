/** The app's sections: Chats, Identity and the Node panel, each one click (or one Tab + Enter) away. */
import { button, h } from './dom.ts'
import type { View } from './store.ts'

const SECTIONS: ReadonlyArray<{ view: View, label: string }> = [
  { view: 'chats', label: 'Chats' },
  { view: 'identity', label: 'Identity' },
  { view: 'node', label: 'Node' }
]

export interface NavView {
  readonly element: HTMLElement
  update(view: View, unread: number): void
}

export function createNav (onSelect: (view: View) => void): NavView {
  const buttons = new Map<View, HTMLButtonElement>()
  const badge = h('span', { className: 'nav-badge' })
  const badgeWords = h('span', { className: 'visually-hidden' })
  const items = SECTIONS.map(({ view, label }) => {
    const item = button(label, { testid: `nav-${view}`, className: 'nav-button' })
    if (view === 'chats') item.append(badge, badgeWords)
    item.addEventListener('click', () => { onSelect(view) })
    buttons.set(view, item)
    return h('li', {}, [item])
  })
  const element = h('nav', { className: 'app-nav', attrs: { 'aria-label': 'Sections' } }, [h('ul', {}, items)])
  return {
    element,
    update (current, unread) {
      for (const [view, item] of buttons) {
        if (view === current) item.setAttribute('aria-current', 'page')
        else item.removeAttribute('aria-current')
      }
      badge.textContent = unread > 0 ? String(unread) : ''
      badgeWords.textContent = unread > 0 ? ' unread' : ''
    }
  }
}
