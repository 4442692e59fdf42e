import { randomBytes } from 'node:crypto';

/**
 * Random bytes drawn from the CSPRNG a block at a time: one `randomBytes` call per small value
 * (an IV, a span id) costs more than the work around it. Bytes are never handed out twice.
 */
export class RandomPool {
  private pool = Buffer.alloc(0);
  private offset = 0;

  constructor(private readonly blockBytes: number) {}

  /** `size` fresh random bytes (a view into the pool: copy them if they must outlive it unchanged). */
  take(size: number): Buffer {
    if (size > this.blockBytes) return randomBytes(size);
    if (this.offset + size > this.pool.length) {
      this.pool = randomBytes(this.blockBytes);
      this.offset = 0;
    }
    const bytes = this.pool.subarray(this.offset, this.offset + size);
    this.offset += size;
    return bytes;
  }
}
