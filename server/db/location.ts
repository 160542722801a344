// AZUMA_DB names either engine: a PostgreSQL URL or a SQLite file.

/** Whether the location names a PostgreSQL database rather than a SQLite file. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/**
 * The location with any password replaced by `***`: locations are logged and shown in errors,
 * and a PostgreSQL URL may carry one (in its user part or as `?password=`).
 */
export function redactLocation(location: string): string {
  if (!isPostgresUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.href;
  } catch {
    // Not a WHATWG URL (several hosts, say), though the driver may take it: redact by pattern.
    return location.replace(/^([a-z]+:\/\/[^:@/]*):.*@/i, '$1:***@').replace(/([?&]password=)[^&]*/gi, '$1***');
  }
}
