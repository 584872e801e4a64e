/**
 * Progress bars with rate and ETA, drawn on stderr only when stdout is a terminal and output is not --json.
 * Otherwise every call is a no-op, so scripts and pipes see nothing but results.
 */
export interface Progress {
  update(stage: string, done: number, total: number): void;
  done(): void;
}

const SILENT: Progress = { update: () => {}, done: () => {} };

export function progressFor(json: boolean): Progress {
  if (json || !process.stdout.isTTY || !process.stderr.isTTY) return SILENT;
  let stage = "";
  let start = Date.now();
  let last = 0;
  return {
    update(s, done, total) {
      const now = Date.now();
      if (s !== stage) {
        stage = s;
        start = now;
      } else if (now - last < 100 && done < total) return;
      last = now;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const width = 24;
      const filled = Math.round(frac * width);
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : 0;
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      process.stderr.write(`\r${stage.padEnd(10)} ${bar} ${done}/${total}  ${rate.toFixed(1)}/s  ETA ${eta.toFixed(0)}s \x1b[K`);
    },
    done() {
      if (stage) process.stderr.write("\r\x1b[K");
      stage = "";
    },
  };
}
