;; GF(2^8) row multiply for Reed-Solomon, WASM SIMD (simd128). build-kernel.ts assembles it twice: as is into
;; gf-kernel.wasm, and with every i8x16.swizzle made i8x16.relaxed_swizzle (Relaxed SIMD) into
;; gf-kernel-relaxed.wasm. The two agree on every input here, since all indices are below 16; the relaxed one
;; is about a third faster in V8, which then needs no fix-up for out-of-range indices.
;;
;; mulRows computes out[r][i] = XOR over j of coef[r][j] * in[j][i] for every i < len, with
;;   in[j]   = the `len` bytes at address i32[inRows + 4 j]   (j < inCount),
;;   out[r]  = the `len` bytes at address i32[outRows + 4 r]  (r < outCount),
;;   coef    = outCount x inCount bytes, row-major.
;; Rows are given by address tables so they can sit anywhere, e.g. at their places in a whole codeword.
;; Multiplication by a coefficient c uses two 16-byte tables at address c * 32 (the caller writes all 256 pairs
;; at address 0 once): low[x] = c * x and high[x] = c * (x << 4), so c * b = low[b & 15] ^ high[b >> 4], one
;; i8x16.swizzle per nibble for 16 bytes at a time. Input and output rows must not overlap.
;; The high nibble is taken with i16x8.shr_u and a mask: V8 compiles i8x16.shr_u to about the same plus more
;; (measured: a quarter slower overall).
(module
  (memory (export "memory") 1)

  (func (export "mulRows")
    (param $coef i32) (param $inRows i32) (param $inCount i32) (param $outRows i32) (param $outCount i32)
    (param $len i32)
    (local $off i32) (local $end i32) (local $cp i32) (local $cEnd i32) (local $ipp i32) (local $opp i32)
    (local $opEnd i32) (local $ip i32) (local $op i32) (local $t i32) (local $x i32) (local $byte i32)
    (local $mask v128) (local $lo v128) (local $hi v128) (local $v v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (if (i32.or (i32.eqz (local.get $outCount)) (i32.eqz (local.get $inCount))) (then (return)))
    (local.set $mask (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $opEnd (i32.add (local.get $outRows) (i32.shl (local.get $outCount) (i32.const 2))))

    ;; Columns of 64 bytes: each coefficient's tables are loaded once for four vectors, whose accumulators
    ;; are independent, so the shuffles of one input overlap.
    (block $done64
      (loop $columns64
        (br_if $done64 (i32.gt_u (i32.add (local.get $off) (i32.const 64)) (local.get $len)))
        (local.set $cp (local.get $coef))
        (local.set $opp (local.get $outRows))
        (loop $rows64
          (local.set $a0 (v128.const i64x2 0 0))
          (local.set $a1 (v128.const i64x2 0 0))
          (local.set $a2 (v128.const i64x2 0 0))
          (local.set $a3 (v128.const i64x2 0 0))
          (local.set $ipp (local.get $inRows))
          (local.set $cEnd (i32.add (local.get $cp) (local.get $inCount)))
          (loop $inputs64
            (local.set $ip (i32.add (i32.load (local.get $ipp)) (local.get $off)))
            (local.set $t (i32.shl (i32.load8_u (local.get $cp)) (i32.const 5)))
            (local.set $lo (v128.load (local.get $t)))
            (local.set $hi (v128.load offset=16 (local.get $t)))
            (local.set $v (v128.load offset=0 (local.get $ip)))
            (local.set $a0 (v128.xor (local.get $a0) (v128.xor
              (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $mask)))
              (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $mask))))))
            (local.set $v (v128.load offset=16 (local.get $ip)))
            (local.set $a1 (v128.xor (local.get $a1) (v128.xor
              (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $mask)))
              (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $mask))))))
            (local.set $v (v128.load offset=32 (local.get $ip)))
            (local.set $a2 (v128.xor (local.get $a2) (v128.xor
              (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $mask)))
              (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $mask))))))
            (local.set $v (v128.load offset=48 (local.get $ip)))
            (local.set $a3 (v128.xor (local.get $a3) (v128.xor
              (i8x16.swizzle (local.get $lo) (v128.and (local.get $v) (local.get $mask)))
              (i8x16.swizzle (local.get $hi) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $mask))))))
            (local.set $ipp (i32.add (local.get $ipp) (i32.const 4)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
            (br_if $inputs64 (i32.lt_u (local.get $cp) (local.get $cEnd))))
          (local.set $op (i32.add (i32.load (local.get $opp)) (local.get $off)))
          (v128.store offset=0 (local.get $op) (local.get $a0))
          (v128.store offset=16 (local.get $op) (local.get $a1))
          (v128.store offset=32 (local.get $op) (local.get $a2))
          (v128.store offset=48 (local.get $op) (local.get $a3))
          (local.set $opp (i32.add (local.get $opp) (i32.const 4)))
          (br_if $rows64 (i32.lt_u (local.get $opp) (local.get $opEnd))))
        (local.set $off (i32.add (local.get $off) (i32.const 64)))
        (br $columns64)))

    ;; The rest in columns of 16 bytes; the last one is moved back to end at `len` and recomputes a few
    ;; bytes, which is harmless because outputs are written, not accumulated.
    (if (i32.ge_u (local.get $len) (i32.const 16))
      (then
        (local.set $end (i32.sub (local.get $len) (i32.const 16)))
        (block $done16
          (loop $columns16
            (br_if $done16 (i32.ge_u (local.get $off) (local.get $len)))
            (if (i32.gt_u (local.get $off) (local.get $end)) (then (local.set $off (local.get $end))))
            (local.set $cp (local.get $coef))
            (local.set $opp (local.get $outRows))
            (loop $rows16
              (local.set $a0 (v128.const i64x2 0 0))
              (local.set $ipp (local.get $inRows))
              (local.set $cEnd (i32.add (local.get $cp) (local.get $inCount)))
              (loop $inputs16
                (local.set $ip (i32.add (i32.load (local.get $ipp)) (local.get $off)))
                (local.set $t (i32.shl (i32.load8_u (local.get $cp)) (i32.const 5)))
                (local.set $v (v128.load (local.get $ip)))
                (local.set $a0 (v128.xor (local.get $a0) (v128.xor
                  (i8x16.swizzle (v128.load (local.get $t)) (v128.and (local.get $v) (local.get $mask)))
                  (i8x16.swizzle (v128.load offset=16 (local.get $t)) (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) (local.get $mask))))))
                (local.set $ipp (i32.add (local.get $ipp) (i32.const 4)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
                (br_if $inputs16 (i32.lt_u (local.get $cp) (local.get $cEnd))))
              (v128.store (i32.add (i32.load (local.get $opp)) (local.get $off)) (local.get $a0))
              (local.set $opp (i32.add (local.get $opp) (i32.const 4)))
              (br_if $rows16 (i32.lt_u (local.get $opp) (local.get $opEnd))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (br $columns16))))
      (else
        ;; Rows shorter than one vector (objects under 16 k bytes): one byte at a time, same tables.
        (block $doneBytes
          (loop $bytes
            (br_if $doneBytes (i32.ge_u (local.get $off) (local.get $len)))
            (local.set $cp (local.get $coef))
            (local.set $opp (local.get $outRows))
            (loop $rowsBytes
              (local.set $byte (i32.const 0))
              (local.set $ipp (local.get $inRows))
              (local.set $cEnd (i32.add (local.get $cp) (local.get $inCount)))
              (loop $inputsBytes
                (local.set $t (i32.shl (i32.load8_u (local.get $cp)) (i32.const 5)))
                (local.set $x (i32.load8_u (i32.add (i32.load (local.get $ipp)) (local.get $off))))
                (local.set $byte (i32.xor (local.get $byte) (i32.xor
                  (i32.load8_u (i32.add (local.get $t) (i32.and (local.get $x) (i32.const 15))))
                  (i32.load8_u offset=16 (i32.add (local.get $t) (i32.shr_u (local.get $x) (i32.const 4)))))))
                (local.set $ipp (i32.add (local.get $ipp) (i32.const 4)))
                (local.set $cp (i32.add (local.get $cp) (i32.const 1)))
                (br_if $inputsBytes (i32.lt_u (local.get $cp) (local.get $cEnd))))
              (i32.store8 (i32.add (i32.load (local.get $opp)) (local.get $off)) (local.get $byte))
              (local.set $opp (i32.add (local.get $opp) (i32.const 4)))
              (br_if $rowsBytes (i32.lt_u (local.get $opp) (local.get $opEnd))))
            (local.set $off (i32.add (local.get $off) (i32.const 1)))
            (br $bytes))))))
)
