import type { Metadata } from "next";
import Link from "next/link";

import { UserAvatar } from "@/components/user-avatar";
import { requireUser } from "@/lib/dal";
import { getEnv } from "@/lib/env";
import { providerName } from "@/lib/providers";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  const provider = providerName(getEnv(), user.provider) ?? user.provider ?? "an unknown provider";
  return (
    <div className="card">
      <div className="profile-row">
        <UserAvatar image={user.image} name={user.name ?? user.email} size={72} alt={`Profile picture of ${user.name ?? "you"}`} />
        <div>
          <h1>{user.name ? `Hello, ${user.name}` : "Hello"}</h1>
          <p>
            Signed in as <strong data-testid="signed-in-email">{user.email ?? "an account without a verified email"}</strong>
          </p>
          <p>
            Signed in with <strong data-testid="signed-in-provider">{provider}</strong>
          </p>
        </div>
      </div>
      <p>
        <Link href="/settings/profile">Change your display name</Link>
      </p>
    </div>
  );
}
