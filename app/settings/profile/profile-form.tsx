"use client";

import { useActionState } from "react";

import { PendingButton } from "@/components/pending-button";
import { button, hint, stack } from "@/components/styles";
import { MAX_NAME_LENGTH } from "@/lib/display-name";

import { updateDisplayName, type ProfileFormState } from "./actions";

export function ProfileForm({ name }: { name: string }) {
  const [state, formAction] = useActionState<ProfileFormState, FormData>(updateDisplayName, { status: "idle" });
  const error = state.status === "error" ? state.message : undefined;
  return (
    <form action={formAction} className={stack} noValidate>
      <div className="flex flex-col gap-[0.4rem]">
        <label htmlFor="display-name" className="font-semibold">
          Display name
        </label>
        <input
          id="display-name"
          className="min-h-11 w-full max-w-[28rem] rounded-control border border-line-strong bg-surface px-3 py-[0.55rem] text-fg focus-visible:border-focus aria-[invalid=true]:border-error"
          name="name"
          type="text"
          defaultValue={state.status === "saved" ? state.name : name}
          maxLength={MAX_NAME_LENGTH}
          autoComplete="name"
          aria-invalid={error ? true : undefined}
          aria-describedby="display-name-hint display-name-status"
        />
        <p id="display-name-hint" className={hint}>
          1 to {MAX_NAME_LENGTH} characters. Shown in the header and on your dashboard.
        </p>
      </div>
      <div>
        <PendingButton className={button("primary")} pendingLabel="Saving…">
          Save
        </PendingButton>
      </div>
      <p
        id="display-name-status"
        role={error ? "alert" : "status"}
        className={`min-h-[1.55em] font-semibold ${error ? "text-error" : "text-ok"}`}
      >
        {error ?? (state.status === "saved" ? "Saved." : "")}
      </p>
    </form>
  );
}
