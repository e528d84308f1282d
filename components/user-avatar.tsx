/** The provider's picture, or initials when there is none (or it fails to load). */
export function UserAvatar({
  image,
  name,
  size,
  alt = "",
}: {
  image: string | null;
  name: string | null;
  size: number;
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
  if (!image) {
    return (
      <span className="avatar avatar-initials" style={{ width: size, height: size }} aria-hidden={alt ? undefined : true} role={alt ? "img" : undefined} aria-label={alt || undefined}>
        {initials}
      </span>
    );
  }
  return (
    // A provider-hosted picture: not worth routing through next/image's optimizer (and its
    // allow-list of hosts); no-referrer keeps our URLs out of the provider's logs.
    // eslint-disable-next-line @next/next/no-img-element
    <img className="avatar" src={image} alt={alt} width={size} height={size} referrerPolicy="no-referrer" />
  );
}
