import { card, stack } from "@/components/styles";

/** A grey shape with a light sweeping across it (still when the system asks for reduced motion). */
const shape =
  "block animate-shimmer bg-[linear-gradient(90deg,var(--color-surface-2)_25%,var(--color-line)_50%,var(--color-surface-2)_75%)] bg-size-[200%_100%] motion-reduce:animate-none";

/**
 * What a route segment shows while its page loads (its loading.tsx). Announced once as "Loading"
 * to screen readers; the grey shapes are decoration.
 */
export function PageSkeleton({ blocks = 2 }: { blocks?: number }) {
  return (
    <div className={`${card} ${stack}`} aria-busy="true">
      <p className="sr-only">Loading…</p>
      <span className={`${shape} h-8 w-[45%] rounded-lg`} aria-hidden="true" />
      <span className={`${shape} h-4 w-full rounded-lg`} aria-hidden="true" />
      <span className={`${shape} h-4 w-[60%] rounded-lg`} aria-hidden="true" />
      {Array.from({ length: blocks }, (_, i) => (
        <span key={i} className={`${shape} h-[5.5rem] w-full rounded-control`} aria-hidden="true" />
      ))}
    </div>
  );
}
