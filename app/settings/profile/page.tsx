import type { Metadata } from "next";

import { UserAvatar } from "@/components/user-avatar";
import { requireUser } from "@/lib/dal";

import { ProfileForm } from "./profile-form";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfileSettingsPage() {
  const user = await requireUser("/settings/profile");
  return (
    <div className="card stack">
      <h1>Profile</h1>
      <div className="profile-row">
        <UserAvatar image={user.image} name={user.name ?? user.email} size={56} />
        <p>
          Signed in as <strong>{user.email ?? user.name}</strong>
        </p>
      </div>
      <ProfileForm name={user.name ?? ""} />
    </div>
  );
}
