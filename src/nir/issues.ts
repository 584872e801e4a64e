/** Findings about a NIR file: errors (the reference package would reject the file) and warnings (it reads it, but
 * with a known quirk or a value other tools will misread). `node` is the path from the root graph ("rnn/lif"). */
export interface NirIssue {
  severity: "error" | "warning";
  node: string;
  field?: string;
  message: string;
}

/** Problems found while decoding one node or graph: several at once so the checker can list them all. */
export class NirDecodeError extends Error {
  constructor(readonly issues: NirIssue[]) {
    super(issues.map(describeIssue).join("; "));
    this.name = "NirDecodeError";
  }
}

export function describeIssue(i: NirIssue): string {
  const where = i.node ? `node '${i.node}'` : "root graph";
  return `${where}${i.field ? `, field '${i.field}'` : ""}: ${i.message}`;
}
