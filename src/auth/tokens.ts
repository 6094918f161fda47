// Simple auth tokens ("<16 random letters>.<raft index>"): the proposer picks the random
// prefix, every member registers the token when it applies the Authenticate entry, so a
// token works on any member. Tokens live in memory only (a restart forgets them, clients
// authenticate again) and expire after the TTL without use; each use restarts the TTL.
import { randomInt } from "node:crypto";

const TOKEN_PREFIX_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const TOKEN_PREFIX_LENGTH = 16;
/** Bound on live tokens: beyond it the least recently used go first. */
const MAX_TOKENS = 100_000;

export function newTokenPrefix(): string {
  let s = "";
  for (let i = 0; i < TOKEN_PREFIX_LENGTH; i++)
    s += TOKEN_PREFIX_LETTERS[randomInt(TOKEN_PREFIX_LETTERS.length)];
  return s;
}

export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z]+\.\d+$/.test(token);
}

export class SimpleTokens {
  /** token → user and expiry; Map order = least recently used first. */
  private readonly tokens = new Map<string, { user: string; expiresAtMs: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ttlMs > 0)) throw new Error(`auth token TTL must be positive, got ${ttlMs} ms`);
  }

  assign(token: string, user: string): void {
    this.tokens.delete(token);
    this.tokens.set(token, { user, expiresAtMs: this.now() + this.ttlMs });
    if (this.tokens.size > MAX_TOKENS) {
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) this.tokens.delete(oldest);
    }
  }

  /** The user of a live token (restarting its TTL), or undefined. */
  use(token: string): string | undefined {
    const t = this.tokens.get(token);
    if (!t) return undefined;
    const now = this.now();
    this.tokens.delete(token);
    if (t.expiresAtMs <= now) return undefined;
    this.tokens.set(token, { user: t.user, expiresAtMs: now + this.ttlMs });
    return t.user;
  }

  invalidateUser(user: string): void {
    for (const [token, t] of this.tokens) if (t.user === user) this.tokens.delete(token);
  }

  clear(): void {
    this.tokens.clear();
  }

  /** Drops expired tokens (called now and then; `use` also refuses them). */
  sweep(): void {
    const now = this.now();
    for (const [token, t] of this.tokens) if (t.expiresAtMs <= now) this.tokens.delete(token);
  }

  get size(): number {
    return this.tokens.size;
  }
}
