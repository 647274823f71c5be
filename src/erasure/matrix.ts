import { gfAddScaledRow, gfInverse, gfPow, gfScaleRow } from './gf256.ts'

/** A matrix over GF(2^8), row-major in `cells`. */
export interface GfMatrix {
  rows: number
  cols: number
  cells: Uint8Array
}

export function gfMatrix (rows: number, cols: number): GfMatrix {
  return { rows, cols, cells: new Uint8Array(rows * cols) }
}

export function multiply (a: GfMatrix, b: GfMatrix): GfMatrix {
  if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows}x${a.cols} by ${b.rows}x${b.cols}`)
  const product = gfMatrix(a.rows, b.cols)
  // Row r of the product = sum over i of a[r][i] * row i of b.
  for (let r = 0; r < a.rows; r++) {
    for (let i = 0; i < a.cols; i++) {
      gfAddScaledRow(product.cells, r * b.cols, b.cells, i * b.cols, b.cols, a.cells[r * a.cols + i])
    }
  }
  return product
}

/** The given rows of `matrix`, in the given order. */
export function selectRows (matrix: GfMatrix, rowIndexes: readonly number[]): GfMatrix {
  const selected = gfMatrix(rowIndexes.length, matrix.cols)
  rowIndexes.forEach((row, index) => {
    selected.cells.set(matrix.cells.subarray(row * matrix.cols, (row + 1) * matrix.cols), index * matrix.cols)
  })
  return selected
}

/** Gauss-Jordan inversion of a square matrix; throws RangeError when it is singular. */
export function invert (matrix: GfMatrix): GfMatrix {
  const n = matrix.rows
  if (matrix.cols !== n) throw new RangeError(`cannot invert a ${n}x${matrix.cols} matrix`)
  const work = matrix.cells.slice()
  const inverse = gfMatrix(n, n)
  for (let i = 0; i < n; i++) inverse.cells[i * n + i] = 1
  const swapRows = (cells: Uint8Array, a: number, b: number): void => {
    const rowA = cells.slice(a * n, (a + 1) * n)
    cells.copyWithin(a * n, b * n, (b + 1) * n)
    cells.set(rowA, b * n)
  }
  for (let col = 0; col < n; col++) {
    let pivot = col
    while (pivot < n && work[pivot * n + col] === 0) pivot++
    if (pivot === n) throw new RangeError('matrix is singular')
    if (pivot !== col) { swapRows(work, pivot, col); swapRows(inverse.cells, pivot, col) }
    const scale = gfInverse(work[col * n + col])
    gfScaleRow(work, col * n, n, scale)
    gfScaleRow(inverse.cells, col * n, n, scale)
    for (let row = 0; row < n; row++) {
      const factor = work[row * n + col]
      if (row === col || factor === 0) continue
      gfAddScaledRow(work, row * n, work, col * n, n, factor)
      gfAddScaledRow(inverse.cells, row * n, inverse.cells, col * n, n, factor)
    }
  }
  return inverse
}

/**
 * The (k + m) x k coding matrix of klauspost/reedsolomon and Backblaze: a Vandermonde matrix (row r = powers of
 * r) times the inverse of its top k x k square, so the top is the identity (data shards stay as they are) and
 * every k x k choice of rows stays invertible. Shard i = row i times the data shards.
 */
export function systematicVandermonde (dataShards: number, totalShards: number): GfMatrix {
  const vandermonde = gfMatrix(totalShards, dataShards)
  for (let r = 0; r < totalShards; r++) {
    for (let c = 0; c < dataShards; c++) vandermonde.cells[r * dataShards + c] = gfPow(r, c)
  }
  const top = selectRows(vandermonde, Array.from({ length: dataShards }, (_, i) => i))
  return multiply(vandermonde, invert(top))
}
