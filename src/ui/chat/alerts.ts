/** The one place errors show: each alert is readable text (with the error's name) and can be dismissed. */
import { button, h, reconcileList } from './dom.ts'
import type { Alert } from './store.ts'

export interface AlertsView {
  readonly element: HTMLElement
  update(alerts: readonly Alert[]): void
}

export function createAlerts (onDismiss: (id: number) => void): AlertsView {
  const list = h('ul', { className: 'alert-list' })
  const element = h('div', { className: 'alerts', testid: 'alerts', attrs: { role: 'alert', 'aria-live': 'assertive' } }, [list])
  return {
    element,
    update (alerts) {
      reconcileList(list, alerts, alert => String(alert.id), alert => {
        const dismiss = button('Dismiss', { className: 'dismiss', attrs: { 'aria-label': 'Dismiss this alert' } })
        dismiss.addEventListener('click', () => { onDismiss(alert.id) })
        return h('li', { className: 'alert', testid: 'alert' }, [h('span', { className: 'alert-text', text: alert.text }), dismiss])
      }, () => {})
    }
  }
}
