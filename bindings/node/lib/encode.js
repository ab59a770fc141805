'use strict'

// The core's field encoding, written from JavaScript straight into one
// reused Buffer (the format is documented at the top of
// core/src/record.rs). All integers are little-endian:
//
//   entry = tag, key length (u16), key bytes, payload   (objects, top level)
//   value = tag, payload                                (inside arrays)
//
// A record is built as: message bytes at `base`, then the fields. The
// native side checks the structure, repairs invalid UTF-8 and applies the
// configured limits, so this file only has to map JavaScript values onto
// tags, quickly. The encoder every logger shares is registered with the
// native side once (and again whenever it grows) and leaves room for a
// header before the message, so that logging is one call without
// arguments (see emit in src/lib.rs).
//
// JavaScript values without a JSON meaning follow JSON.stringify where it
// has a rule (undefined and functions are left out of objects and become
// null in arrays; toJSON is honoured) and are kept readable where it would
// throw: a circular reference becomes "[Circular]", a BigInt an integer
// (or its decimal text when wider than 64 bits), a Symbol its description
// text.

const TAG_NULL = 0x01
const TAG_FALSE = 0x02
const TAG_TRUE = 0x03
const TAG_I64 = 0x04
const TAG_U64 = 0x05
const TAG_F64 = 0x06
const TAG_STR = 0x07
const TAG_BYTES = 0x08
const TAG_OBJECT = 0x09
const TAG_ARRAY = 0x0a

const MAX_KEY_BYTES = 0xffff
const TWO_32 = 4294967296
const I64_MIN = -(2n ** 63n)
const I64_MAX = 2n ** 63n - 1n
const U64_MAX = 2n ** 64n - 1n

const CIRCULAR = '[Circular]'

class Encoder {
  /**
   * `base` bytes are left free at the start of the buffer for a header;
   * `onGrow(buf)` is told of each new buffer.
   */
  constructor (initialBytes = 16 * 1024, base = 0, onGrow = null) {
    this.base = base
    this.onGrow = onGrow
    this.setBuffer(Buffer.allocUnsafeSlow(initialBytes))
    this.pos = base
    // Longest string kept, in UTF-16 units: longer strings are cut before
    // they are copied, leaving one unit over the byte limit so the core
    // still sees them as too long and marks them truncated.
    this.maxStringUnits = 64 * 1024 + 1
    // Containers deeper than this are written empty; the core replaces
    // anything past its own max_depth with a marker.
    this.maxDepth = 17
    // Objects on the path from the top to the value being written.
    this.path = []
  }

  setBuffer (buf) {
    this.buf = buf
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  /** Sets the limits the logger was configured with. */
  configure (maxMessageBytes, maxDepth) {
    this.maxStringUnits = maxMessageBytes + 1
    this.maxDepth = maxDepth + 1
  }

  /** Makes room for `n` more bytes, keeping what was written. */
  reserve (n) {
    const need = this.pos + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafeSlow(size)
    this.buf.copy(next, 0, 0, this.pos)
    this.setBuffer(next)
    if (this.onGrow !== null) this.onGrow(next)
  }

  /** Starts a record: the message goes first, at `base`. */
  begin (message) {
    this.pos = this.base
    this.rawString(message)
    return this.pos
  }

  /** Writes a string's UTF-8 bytes at `pos`, without a length. */
  rawString (s) {
    let n = s.length
    if (n > this.maxStringUnits) {
      s = s.slice(0, this.maxStringUnits)
      n = s.length
    }
    if (n < 48) {
      // Short strings: an ASCII copy loop beats Buffer.write's call cost.
      this.reserve(n * 3)
      const buf = this.buf
      let p = this.pos
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) break
        buf[p++] = c
      }
      if (i < n) p += buf.utf8Write(s.slice(i), p)
      this.pos = p
      return
    }
    this.reserve(n * 3)
    this.pos += this.buf.utf8Write(s, this.pos)
  }

  /** A tag, and the key when the value is an entry of an object. */
  head (tag, key) {
    if (key === undefined) {
      this.reserve(1)
      this.buf[this.pos++] = tag
      return
    }
    const n = key.length
    this.reserve(3 + n * 3)
    const buf = this.buf
    const at = this.pos
    buf[at] = tag
    let p = at + 3
    let i = 0
    if (n < 48) {
      for (; i < n; i++) {
        const c = key.charCodeAt(i)
        if (c >= 0x80) break
        buf[p++] = c
      }
    }
    if (i < n) p += buf.utf8Write(key.slice(i), p)
    let len = p - at - 3
    if (len > MAX_KEY_BYTES) {
      // The encoding's u16 length: cut at a UTF-8 boundary so that the
      // key keeps whole characters.
      len = MAX_KEY_BYTES
      while (len > 0 && (buf[at + 3 + len] & 0xc0) === 0x80) len--
      p = at + 3 + len
    }
    buf[at + 1] = len & 0xff
    buf[at + 2] = len >>> 8
    this.pos = p
  }

  string (key, s) {
    this.head(TAG_STR, key)
    this.reserve(4)
    const at = this.pos
    this.pos += 4
    this.rawString(s)
    this.view.setUint32(at, this.pos - at - 4, true)
  }

  number (key, n) {
    if (Number.isInteger(n) && n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER) {
      this.head(TAG_I64, key)
      this.reserve(8)
      const v = this.view
      const p = this.pos
      if (n >= -2147483648 && n <= 2147483647) {
        v.setInt32(p, n, true)
        v.setInt32(p + 4, n < 0 ? -1 : 0, true)
      } else {
        const hi = Math.floor(n / TWO_32)
        v.setUint32(p, n - hi * TWO_32, true)
        v.setInt32(p + 4, hi, true)
      }
      this.pos = p + 8
      return
    }
    this.head(TAG_F64, key)
    this.reserve(8)
    this.view.setFloat64(this.pos, n, true)
    this.pos += 8
  }

  bigint (key, n) {
    if (n >= I64_MIN && n <= I64_MAX) {
      this.head(TAG_I64, key)
      this.reserve(8)
      this.view.setBigInt64(this.pos, n, true)
    } else if (n > 0n && n <= U64_MAX) {
      this.head(TAG_U64, key)
      this.reserve(8)
      this.view.setBigUint64(this.pos, n, true)
    } else {
      this.string(key, n.toString())
      return
    }
    this.pos += 8
  }

  bytes (key, u8) {
    this.head(TAG_BYTES, key)
    this.reserve(4 + u8.byteLength)
    this.view.setUint32(this.pos, u8.byteLength, true)
    this.pos += 4
    this.buf.set(u8, this.pos)
    this.pos += u8.byteLength
  }

  /** Opens an object or array; returns where its length goes. */
  open (tag, key) {
    this.head(tag, key)
    this.reserve(4)
    const at = this.pos
    this.pos += 4
    return at
  }

  close (at) {
    this.view.setUint32(at, this.pos - at - 4, true)
  }

  /**
   * Writes `value` as an entry named `key`, or as an array element when
   * `key` is undefined. `depth` counts the containers around it.
   */
  value (key, value, depth) {
    switch (typeof value) {
      case 'string':
        this.string(key, value)
        return
      case 'number':
        this.number(key, value)
        return
      case 'boolean':
        this.head(value ? TAG_TRUE : TAG_FALSE, key)
        return
      case 'bigint':
        this.bigint(key, value)
        return
      case 'symbol':
        this.string(key, value.toString())
        return
      case 'undefined':
      case 'function':
        if (key === undefined) this.head(TAG_NULL, key)
        return
      default:
        if (value === null) {
          this.head(TAG_NULL, key)
          return
        }
        this.object(key, value, depth)
    }
  }

  object (key, o, depth) {
    if (this.path.includes(o)) {
      this.string(key, CIRCULAR)
      return
    }
    if (o instanceof Error) {
      this.error(key, o, depth)
      return
    }
    if (o instanceof Date) {
      const t = o.getTime()
      if (Number.isNaN(t)) this.head(TAG_NULL, key)
      else this.string(key, o.toISOString())
      return
    }
    if (ArrayBuffer.isView(o) && !(o instanceof DataView) && o.BYTES_PER_ELEMENT === 1) {
      this.bytes(key, o instanceof Uint8Array ? o : new Uint8Array(o.buffer, o.byteOffset, o.byteLength))
      return
    }
    if (typeof o.toJSON === 'function') {
      let j
      try {
        j = o.toJSON(key === undefined ? '' : key)
      } catch (e) {
        this.string(key, `[toJSON threw: ${describe(e)}]`)
        return
      }
      if (j !== o && !(j !== null && typeof j === 'object' && this.path.includes(j))) {
        this.path.push(o)
        try {
          this.value(key, j, depth)
        } finally {
          this.path.pop()
        }
        return
      }
    }
    const deeper = depth + 1
    if (Array.isArray(o) || o instanceof Set) {
      const at = this.open(TAG_ARRAY, key)
      if (deeper <= this.maxDepth) {
        this.path.push(o)
        for (const item of o) this.value(undefined, item, deeper)
        this.path.pop()
      }
      this.close(at)
      return
    }
    const at = this.open(TAG_OBJECT, key)
    if (deeper <= this.maxDepth) {
      this.path.push(o)
      if (o instanceof Map) {
        for (const [k, v] of o) this.value(String(k), v, deeper)
      } else {
        this.entries(o, deeper)
      }
      this.path.pop()
    }
    this.close(at)
  }

  /** Every own enumerable string-keyed property of `o`, as entries. */
  entries (o, depth) {
    for (const k in o) {
      if (Object.prototype.hasOwnProperty.call(o, k)) this.value(k, o[k], depth)
    }
  }

  /**
   * An Error as an object: type, message, stack, its own enumerable
   * properties (code, errno...), the errors of an AggregateError, and the
   * cause chain.
   */
  error (key, e, depth) {
    const at = this.open(TAG_OBJECT, key)
    const deeper = depth + 1
    if (deeper <= this.maxDepth) {
      this.path.push(e)
      this.string('type', errorType(e))
      this.string('message', String(e.message))
      if (typeof e.stack === 'string') this.string('stack', e.stack)
      for (const k in e) {
        if (k === 'type' || k === 'message' || k === 'stack' || k === 'cause') continue
        if (Object.prototype.hasOwnProperty.call(e, k)) this.value(k, e[k], deeper)
      }
      if (e instanceof AggregateError && Array.isArray(e.errors) && !Object.prototype.propertyIsEnumerable.call(e, 'errors')) {
        this.value('errors', e.errors, deeper)
      }
      if (e.cause !== undefined) this.value('cause', e.cause, deeper)
      this.path.pop()
    }
    this.close(at)
  }

  /**
   * Writes the entries of a top-level fields object. On a throwing getter
   * or a Proxy trap, what was written of the fields is replaced by one
   * field saying what failed, so the event itself is never lost.
   */
  fields (start, o) {
    try {
      if (o instanceof Error) this.error('err', o, 0)
      else this.entries(o, 0)
    } catch (e) {
      this.path.length = 0
      this.pos = start
      this.string('asynclog.encode_error', describe(e))
    }
  }
}

function errorType (e) {
  const name = e.name
  if (typeof name === 'string' && name !== 'Error') return name
  const ctor = e.constructor
  if (ctor && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name
  return typeof name === 'string' ? name : 'Error'
}

function describe (e) {
  try {
    return e instanceof Error ? `${errorType(e)}: ${e.message}` : String(e)
  } catch {
    return 'unprintable error'
  }
}

module.exports = { Encoder, TAG_STR }
