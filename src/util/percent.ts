/** A fraction as a percentage for people: 0.9782 → "97.82 %" (`digits` after the point). */
export function percent(x: number, digits = 2): string {
  return `${(100 * x).toFixed(digits)} %`;
}
