import { createRequire } from 'node:module';

/**
 * Cheaper buffers for kafkajs's protocol encoder, without changing a byte of what it encodes.
 *
 * kafkajs 2.2.4 encodes every record, and every header of every record, into a new `Encoder` whose
 * constructor zero-fills a new 512-byte buffer (`Buffer.alloc`), and it grows encoders into more
 * zero-filled buffers. Each of those is a separate allocation outside the V8 heap, several times
 * dearer than a slice of Node's buffer pool, and more work for the garbage collector. With ten
 * CloudEvents headers per record this was the largest single cost of producing (docs/benchmarks.md).
 *
 * Here an encoder starts with a 64-byte slice of the pool (`Buffer.allocUnsafe`) and grows into
 * unzeroed memory, pooled below 4 KiB. Unzeroed memory is safe: an encoder only writes at its own
 * offset after making room, and exposes `buf.slice(0, offset)`, so no byte it did not write is read.
 *
 * The constructor can only be replaced before kafkajs's modules capture the class: this module
 * must be imported before `kafkajs` (the two modules of this library that import kafkajs at run
 * time import this one first). If kafkajs was loaded already, only the growth is changed; if it is
 * not exactly the pinned version, or its encoder is not the one this was written for, nothing is;
 * `kafkaJsEncoderTuning` says which.
 */

/** What was changed: `full` (creation and growth), `growth` (kafkajs was loaded first) or `none`. */
export type EncoderTuning = 'full' | 'growth' | 'none';

/** The only kafkajs this was checked against; every other version is left untouched. */
export const PINNED_KAFKAJS_VERSION = '2.2.4';

/** Whether the installed kafkajs is the one whose encoder this replaces (a newer one might read past `offset`). */
export function tuningAllowedFor(kafkaJsVersion: string | undefined): boolean {
  return kafkaJsVersion === PINNED_KAFKAJS_VERSION;
}

const INITIAL_BYTES = 64;

interface EncoderInstance {
  buf: Buffer;
  offset: number;
  ensureAvailable(length: number): void;
}

export interface EncoderClass {
  nextPowerOfTwo(value: number): number;
  prototype: EncoderInstance;
  new (initialSize?: number): EncoderInstance;
}

/** Grows into unzeroed memory; what it replaces grew into a zero-filled copy. */
function ensureAvailable(this: EncoderInstance, length: number): void {
  const needed = this.offset + length;
  if (needed <= this.buf.length) return;
  // The next power of two above `needed`, as kafkajs grows.
  const grown = Buffer.allocUnsafe(1 << (32 - Math.clz32(needed)));
  this.buf.copy(grown, 0, 0, this.offset);
  this.buf = grown;
}

/**
 * A drop-in for kafkajs's `Encoder` class: same prototype (so `instanceof` and every method hold),
 * same static helpers, but new instances start with a pooled 64-byte buffer. Exported for tests.
 */
export function pooledEncoderClass(Encoder: EncoderClass): EncoderClass {
  Encoder.prototype.ensureAvailable = ensureAvailable;
  function PooledEncoder(): EncoderInstance {
    const encoder = Object.create(Encoder.prototype) as EncoderInstance;
    encoder.buf = Buffer.allocUnsafe(INITIAL_BYTES);
    encoder.offset = 0;
    return encoder;
  }
  PooledEncoder.prototype = Encoder.prototype;
  Object.setPrototypeOf(PooledEncoder, Encoder);
  return PooledEncoder as unknown as EncoderClass;
}

function tune(): EncoderTuning {
  const require = createRequire(import.meta.url);
  let encoderPath: string;
  let Encoder: EncoderClass;
  try {
    if (!tuningAllowedFor((require('kafkajs/package.json') as { version?: string }).version)) return 'none';
    encoderPath = require.resolve('kafkajs/src/protocol/encoder');
    Encoder = require(encoderPath) as EncoderClass;
  } catch {
    return 'none';
  }
  const probe =
    typeof Encoder === 'function' && typeof Encoder.prototype.ensureAvailable === 'function'
      ? new Encoder(1)
      : undefined;
  if (!probe || !Buffer.isBuffer(probe.buf) || probe.offset !== 0 || typeof Encoder.nextPowerOfTwo !== 'function')
    return 'none';
  // Node's ESM loader registers kafkajs/index.js before running it; what matters is whether it ran.
  const kafkaJsLoaded = Object.values(require.cache).some(
    (module) => module?.loaded === true && module.filename.endsWith(`kafkajs${sep()}index.js`),
  );
  const cached = require.cache[encoderPath];
  const replacement = pooledEncoderClass(Encoder);
  if (kafkaJsLoaded || !cached) return 'growth';
  cached.exports = replacement;
  return 'full';
}

function sep(): string {
  return process.platform === 'win32' ? '\\' : '/';
}

/** Applied once, when this module is first imported. */
export const kafkaJsEncoderTuning: EncoderTuning = tune();
