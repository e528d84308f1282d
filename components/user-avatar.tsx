/**
 * The sizes the design uses: each has a class in app/styles/surfaces.css, because a `style` attribute would
 * need 'unsafe-inline' in the Content-Security-Policy.
 */
export type AvatarSize = 32 | 56 | 72;

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
  const className = `avatar avatar-${size}`;
  if (!image) {
    return (
      <span
        className={`${className} avatar-initials`}
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
    <img className={className} src={image} alt={alt} width={size} height={size} referrerPolicy="no-referrer" />
  );
}
