import type { Metadata } from "next";

import { UserAvatar } from "@/components/user-avatar";
import { card, profileRow, stack } from "@/components/styles";
import { requireUser } from "@/lib/dal";

import { ProfileForm } from "./profile-form";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfileSettingsPage() {
  const user = await requireUser("/settings/profile");
  return (
    <div className={`${card} ${stack}`}>
      <h1>Profile</h1>
      <div className={profileRow}>
        <UserAvatar image={user.image} name={user.name ?? user.email} size={56} />
        <p className="my-4">
          Signed in as <strong>{user.email ?? user.name}</strong>
        </p>
      </div>
      <ProfileForm name={user.name ?? ""} />
    </div>
  );
}
