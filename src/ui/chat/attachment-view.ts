/**
 * The file a message shares, inside the message: a thumbnail for images (sent inside the message, so it shows
 * without a download), the name and size, a download button, and a progress bar while the file is uploading or
 * downloading. Text only: the name and type are the sender's and shown as text; the thumbnail is an <img> of a
 * `data:` URL whose type must be an image type (checked when the message was opened).
 */
import { formatBytes } from '../../node/index.ts'
import { button, h } from './dom.ts'
import { transferText } from './format.ts'
import type { AttachmentShown } from './model.ts'
import type { AttachmentDownload } from './store.ts'

export interface AttachmentBlock {
  readonly element: HTMLElement
  update(shown: AttachmentShown, download: AttachmentDownload | undefined): void
}

export function createAttachmentBlock (onDownload: () => void): AttachmentBlock {
  const thumbnail = h('img', { className: 'attachment-thumbnail', testid: 'attachment-thumbnail', attrs: { alt: '' } })
  thumbnail.hidden = true
  const name = h('span', { className: 'attachment-name', testid: 'attachment-name' })
  const size = h('span', { className: 'attachment-size' })
  const download = button('Download', { className: 'secondary attachment-download', testid: 'attachment-download' })
  download.addEventListener('click', () => { onDownload() })
  const bar = h('progress', { className: 'attachment-bar', testid: 'attachment-progress', attrs: { max: '100' } })
  const status = h('span', { className: 'attachment-status', attrs: { role: 'status', 'aria-live': 'polite' } })
  const element = h('figure', { className: 'attachment', testid: 'attachment' }, [
    thumbnail,
    h('figcaption', {}, [name, ' ', size, ' ', download, ' ', bar, ' ', status])
  ])
  let thumbnailShown = false

  return {
    element,
    update (shown, state) {
      if (name.textContent !== shown.name) name.textContent = shown.name
      size.textContent = `(${formatBytes(shown.size)})`
      const thumb = shown.ref?.thumbnail
      if (!thumbnailShown && thumb !== undefined) {
        thumbnailShown = true
        thumbnail.src = `data:${thumb.type};base64,${base64(thumb.bytes)}`
        thumbnail.alt = `Preview of ${shown.name}`
        thumbnail.hidden = false
      }
      let done: number | undefined
      let total = shown.size
      let text = ''
      if (shown.uploadedBytes !== undefined) {
        done = shown.uploadedBytes
        text = `uploading… ${transferText(done, total)}`
      } else if (state?.state === 'downloading') {
        done = state.doneBytes
        total = state.totalBytes > 0 ? state.totalBytes : shown.size
        text = `downloading… ${transferText(done, total)}`
      } else if (state?.state === 'failed') {
        text = `download failed: ${state.error ?? 'unknown error'}`
      } else if (state?.state === 'done') {
        text = 'downloaded, checked'
      }
      bar.hidden = done === undefined
      if (done !== undefined) bar.value = total <= 0 ? 100 : Math.floor(done * 100 / total)
      bar.dataset.doneBytes = String(done ?? '')
      bar.dataset.totalBytes = String(total)
      if (status.textContent !== text) status.textContent = text
      download.disabled = shown.ref === undefined || state?.state === 'downloading'
      element.dataset.state = shown.uploadedBytes !== undefined ? 'uploading' : state?.state ?? (shown.ref === undefined ? 'pending' : 'ready')
    }
  }
}

function base64 (bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}
