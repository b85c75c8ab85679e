export interface RateLimitOptions {
  /** Sustained requests per second per key. */
  ratePerSecond: number;
  /** Bucket size: requests allowed in a burst. */
  burst: number;
  /** Injectable clock in ms (tests). */
  now?: () => number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before idle (full) ones are dropped, so unknown keys cannot grow memory forever. */
const PRUNE_ABOVE = 10_000;

/**
 * A token bucket per API key: `burst` requests at once, refilled at `ratePerSecond`. A refusal
 * says when one token will be back, rounded up to whole seconds as `Retry-After` requires
 * (RFC 9110 §10.2.3: delay-seconds is a non-negative integer).
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(private readonly options: RateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  take(key: string): RateDecision {
    const now = this.now();
    const { ratePerSecond, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= PRUNE_ABOVE) this.prune(now);
      this.buckets.set(key, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const seconds = (1 - bucket.tokens) / ratePerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }

  /** Whether `key` has a token now, without taking it. */
  available(key: string): boolean {
    const bucket = this.buckets.get(key);
    if (!bucket) return true;
    const { ratePerSecond, burst } = this.options;
    return Math.min(burst, bucket.tokens + ((this.now() - bucket.at) / 1000) * ratePerSecond) >= 1;
  }

  /** Seconds until `key` has a token again (0 when it has one now). */
  retryAfter(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket || this.available(key)) return 0;
    const { ratePerSecond } = this.options;
    const tokens = bucket.tokens + ((this.now() - bucket.at) / 1000) * ratePerSecond;
    return Math.max(1, Math.ceil((1 - tokens) / ratePerSecond));
  }

  private prune(now: number): void {
    const { ratePerSecond, burst } = this.options;
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * ratePerSecond >= burst) this.buckets.delete(key);
    }
  }
}
