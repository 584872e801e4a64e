/** "1 sample", "2 samples": a count and its noun (regular English plural, or the one given). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
