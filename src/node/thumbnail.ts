/**
 * A small preview of an image attachment, made in the sender's tab (createImageBitmap + OffscreenCanvas, no
 * upload of the original anywhere): at most THUMBNAIL_MAX_PX on its longest side, as JPEG (WebP where JPEG is not
 * offered), small enough to travel inside the message. Undefined where the platform cannot decode or draw (Node,
 * an image format the browser does not know, a picture too large to decode): the file is then sent without one.
 */
import { MAX_THUMBNAIL_BYTES } from '../chat/index.ts'

export const THUMBNAIL_MAX_PX = 160
/** Images the browser decodes in createImageBitmap; others (SVG needs a document, PDFs are not images) get none. */
const THUMBNAIL_TYPES = /^image\/(jpeg|png|gif|webp|avif|bmp)$/

export async function makeThumbnail (bytes: Uint8Array, type: string): Promise<{ type: string, bytes: Uint8Array } | undefined> {
  if (!THUMBNAIL_TYPES.test(type) || typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return undefined
  let bitmap: ImageBitmap | undefined
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }))
    const scale = Math.min(1, THUMBNAIL_MAX_PX / Math.max(bitmap.width, bitmap.height))
    const width = Math.max(1, Math.round(bitmap.width * scale))
    const height = Math.max(1, Math.round(bitmap.height * scale))
    const canvas = new OffscreenCanvas(width, height)
    const context = canvas.getContext('2d')
    if (context === null) return undefined
    context.drawImage(bitmap, 0, 0, width, height)
    for (const [outType, quality] of [['image/jpeg', 0.7], ['image/jpeg', 0.5], ['image/webp', 0.5]] as const) {
      const blob = await canvas.convertToBlob({ type: outType, quality })
      // A browser that cannot write the type falls back to PNG, which is usually too large for a message.
      if (blob.type !== outType || blob.size > MAX_THUMBNAIL_BYTES) continue
      return { type: outType, bytes: new Uint8Array(await blob.arrayBuffer()) }
    }
    return undefined
  } catch {
    return undefined
  } finally {
    bitmap?.close()
  }
}
