// The one place the client's token lives, and the rule that keeps it the newest under concurrency.

export class TokenStore {
  #token: string | undefined;
  readonly #onToken: ((token: string | undefined) => void) | undefined;

  constructor(initial: string | undefined, onToken: ((token: string | undefined) => void) | undefined) {
    this.#token = initial || undefined;
    this.#onToken = onToken;
  }

  get current(): string | undefined {
    return this.#token;
  }

  /** A new session from register or login replaces whatever was stored. */
  issue(token: string): void {
    if (token === this.#token) return;
    this.#token = token;
    this.#onToken?.(token);
  }

  /**
   * A successor from a refresh is taken only if the request that earned it was sent with the
   * token still stored. Otherwise something newer (a later successor, a fresh login) already
   * replaced that token, and this late answer would roll it back. Requests sent together with
   * the same token all get the same successor, so the first answer stores it and the rest match.
   */
  rotate(sentWith: string | undefined, successor: string): void {
    if (sentWith === undefined || sentWith !== this.#token) return;
    this.issue(successor);
  }

  /**
   * The session of `sentWith` has ended (logout, a 401): forget it, unless something newer (a
   * fresh login) already replaced it.
   */
  forget(sentWith: string | undefined): void {
    if (sentWith === undefined || sentWith !== this.#token) return;
    this.#token = undefined;
    this.#onToken?.(undefined);
  }
}
