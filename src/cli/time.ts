// Times and durations as the CLI reads and prints them: "5m" / "90s" / "1h30m"
// flags, --since as a date or an age ("24h", "7d"), kubectl-style ages ("3m",
// "2d5h") and short durations ("12s", "1m30s").

/** "500ms", "30s", "5m", "1h30m", "2d" → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000; // a bare number is seconds
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const n = Number(m[1]);
    total += n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
    matched = re.lastIndex;
  }
  return matched > 0 && matched === s.length ? total : undefined;
}

/** --since: an ISO date/time ("2026-01-01", "2026-01-01T10:00:00Z") or an age ("24h", "7d") before `now`. Milliseconds since the epoch. */
export function parseSince(text: string, now: number = Date.now()): number | undefined {
  const age = parseDuration(text);
  if (age !== undefined && !/^\d+$/.test(text.trim())) return now - age;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const t = Date.parse(text.trim());
  return Number.isNaN(t) ? undefined : t;
}

/** kubectl's age: "45s", "12m", "3h12m", "5d", "2y". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) ms = 0;
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

/** A short exact duration: "850ms", "12s", "1m30s", "2h5m". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
}

/** Age of an RFC 3339 timestamp, or "<unknown>". */
export function ageOf(timestamp: string | undefined, now: number = Date.now()): string {
  const t = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isNaN(t) ? '<unknown>' : formatAge(now - t);
}

/** "2026-01-02 10:04:05" in UTC (an audit trail reads better in absolute times). */
export function formatTimestamp(ms: number | string | undefined): string {
  const t = typeof ms === 'string' ? Date.parse(ms) : ms;
  if (t === undefined || Number.isNaN(t)) return '';
  return new Date(t).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}
