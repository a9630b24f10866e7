/**
 * SIGINT/SIGTERM for long-running commands, installed before anything slow happens (issue 17: a signal
 * may come at any moment of start-up, running or shutdown). The first signal asks for a clean stop; a
 * second one forces the exit at once (128 + signal number, as a shell reports a death by signal).
 */

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

export class SignalGate {
  private first: NodeJS.Signals | null = null;
  private stopper: ((signal: NodeJS.Signals) => void) | null = null;
  private readonly handler = (signal: NodeJS.Signals): void => this.onSignal(signal);

  /** Installs the handlers; `forceExit` runs on the second signal (default: process.exit). */
  constructor(
    private readonly forceExit: (signal: NodeJS.Signals, code: number) => void = (_s, code) =>
      process.exit(code),
  ) {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  /** The first signal received, or null. */
  get received(): NodeJS.Signals | null {
    return this.first;
  }

  /** Run `stop` on the first signal; at once if one already came. */
  onStop(stop: (signal: NodeJS.Signals) => void): void {
    this.stopper = stop;
    if (this.first) stop(this.first);
  }

  /** Remove the handlers (the command is done). */
  dispose(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.first) {
      this.forceExit(signal, 128 + (SIGNAL_NUMBERS[signal] ?? 0));
      return;
    }
    this.first = signal;
    this.stopper?.(signal);
  }
}
