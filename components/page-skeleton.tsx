/**
 * What a route segment shows while its page loads (its loading.tsx). Announced once as "Loading"
 * to screen readers; the grey shapes are decoration.
 */
export function PageSkeleton({ blocks = 2 }: { blocks?: number }) {
  return (
    <div className="card stack" aria-busy="true">
      <p className="visually-hidden">Loading…</p>
      <span className="skeleton skeleton-title" aria-hidden="true" />
      <span className="skeleton skeleton-line" aria-hidden="true" />
      <span className="skeleton skeleton-line skeleton-line-short" aria-hidden="true" />
      {Array.from({ length: blocks }, (_, i) => (
        <span key={i} className="skeleton skeleton-block" aria-hidden="true" />
      ))}
    </div>
  );
}
