import type { Metadata } from "next";

import { requireUser } from "@/lib/dal";

import { ProfileForm } from "./profile-form";

export const metadata: Metadata = { title: "Profile" };

export default async function ProfileSettingsPage() {
  const user = await requireUser("/settings/profile");
  return (
    <div className="card narrow">
      <h1>Profile</h1>
      <p>
        Signed in as <strong>{user.email ?? user.name}</strong>
      </p>
      <ProfileForm name={user.name ?? ""} />
    </div>
  );
}
