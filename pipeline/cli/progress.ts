// Terminal rendering: a single redrawn progress line on a TTY, plain lines otherwise.

const useColor = () => Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;

export const color = {
  green: (s: string) => (useColor() ? `\x1b[32m${s}\x1b[0m` : s),
  red: (s: string) => (useColor() ? `\x1b[31m${s}\x1b[0m` : s),
  yellow: (s: string) => (useColor() ? `\x1b[33m${s}\x1b[0m` : s),
  cyan: (s: string) => (useColor() ? `\x1b[36m${s}\x1b[0m` : s),
  dim: (s: string) => (useColor() ? `\x1b[2m${s}\x1b[0m` : s),
  bold: (s: string) => (useColor() ? `\x1b[1m${s}\x1b[0m` : s),
};

export class ProgressLine {
  private last = '';
  private lastPlainAt = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  update(label: string, fraction: number, detail = ''): void {
    const pct = Math.max(0, Math.min(1, fraction));
    if (this.tty) {
      const width = 28;
      const filled = Math.round(pct * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      const line = `${label.padEnd(12)} ${color.cyan(bar)} ${(pct * 100).toFixed(0).padStart(3)}% ${color.dim(detail)}`;
      if (line !== this.last) {
        process.stderr.write(`\r\x1b[2K${line}`);
        this.last = line;
      }
    } else if (Date.now() - this.lastPlainAt > 2000 || pct >= 1) {
      const line = `${label} ${(pct * 100).toFixed(0)}% ${detail}`.trimEnd();
      if (line !== this.last) {
        process.stderr.write(`${line}\n`);
        this.last = line;
        this.lastPlainAt = Date.now();
      }
    }
  }

  done(): void {
    if (this.tty && this.last) process.stderr.write('\r\x1b[2K');
    this.last = '';
  }
}
