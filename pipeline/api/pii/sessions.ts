// Who has revealed PII: a set of session ids, in memory only, so a reveal ends with the session (a
// browser tab's web session, a desktop window) or with the app. Every other session stays masked.

/** The caller of one service call as its transport knows it: a web session or a desktop window. */
export interface Caller {
  /** an opaque id the transport derives; never the session's secret */
  session: string;
}

export class PiiSessions {
  private readonly revealed = new Set<string>();

  isRevealed(caller: Caller): boolean {
    return this.revealed.has(caller.session);
  }

  reveal(caller: Caller): void {
    if (this.revealed.size > 10_000) this.revealed.clear();
    this.revealed.add(caller.session);
  }

  hide(caller: Caller): void {
    this.revealed.delete(caller.session);
  }
}
