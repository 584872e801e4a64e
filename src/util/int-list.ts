/** A growing list of 32-bit integers in a typed array: millions of entries cost 4 bytes each, not a heap slot. */
export class IntList {
  private data = new Int32Array(16);
  private n = 0;

  push(v: number): void {
    if (this.n === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = v;
  }

  get length(): number {
    return this.n;
  }

  /** The entries, in a copy of their exact length. */
  toArray(): Int32Array {
    return this.data.slice(0, this.n);
  }
}
