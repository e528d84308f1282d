/**
 * The sizes the design uses, each with its classes: a `style` attribute would need 'unsafe-inline'
 * in the Content-Security-Policy.
 */
const SIZES = {
  32: "size-8 text-[0.8rem]",
  56: "size-14 text-[1.2rem]",
  72: "size-18 text-[1.5rem]",
} as const;

export type AvatarSize = keyof typeof SIZES;

/** The provider's picture, or initials when there is none (or it fails to load). */
export function UserAvatar({
  image,
  name,
  size,
  alt = "",
}: {
  image: string | null;
  name: string | null;
  size: AvatarSize;
  /** Empty when the name is printed beside the picture anyway. */
  alt?: string;
}) {
  const initials =
    (name ?? "?")
      .split(/\s+/)
      .filter(Boolean)
      .slice(0, 2)
      .map((part) => Array.from(part)[0]?.toUpperCase())
      .join("") || "?";
  const shape = `flex-none rounded-full ${SIZES[size]}`;
  if (!image) {
    return (
      <span
        className={`${shape} inline-flex items-center justify-center bg-accent-soft font-bold text-accent`}
        aria-hidden={alt ? undefined : true}
        role={alt ? "img" : undefined}
        aria-label={alt || undefined}
      >
        {initials}
      </span>
    );
  }
  return (
    // A provider-hosted picture: not worth routing through next/image's optimizer (and its
    // allow-list of hosts); no-referrer keeps our URLs out of the provider's logs.
    // eslint-disable-next-line @next/next/no-img-element
    <img
      className={`${shape} inline-block bg-surface-2 object-cover`}
      src={image}
      alt={alt}
      width={size}
      height={size}
      referrerPolicy="no-referrer"
    />
  );
}
