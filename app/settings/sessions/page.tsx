import type { Metadata } from "next";

import { DevicesIcon } from "@/components/icons";
import { PendingButton } from "@/components/pending-button";
import { UtcTime } from "@/components/utc-time";
import { badge, button, card, headingRow, hint, list, listItem, stack } from "@/components/styles";
import { requireUser } from "@/lib/dal";
import { db, getEnv } from "@/lib/services";
import { providerName } from "@/lib/providers/registry";
import { listActiveSessions } from "@/lib/session/registry";
import { describeUserAgent } from "@/lib/session/device";

import { signOutEverywhereElse, signOutSession } from "./actions";

export const metadata: Metadata = { title: "Sessions" };

const PATH = "/settings/sessions";

export default async function SessionsPage() {
  const user = await requireUser(PATH);
  const env = getEnv();
  const listed = await listActiveSessions(db, user.id, env.sessionPolicy, new Date());
  // This device first, then the others by last use.
  const sessions = [...listed.filter((s) => s.id === user.sessionId), ...listed.filter((s) => s.id !== user.sessionId)];
  const others = sessions.length - 1;

  return (
    <div className={`${card} ${stack}`}>
      <h1>Sessions</h1>
      <p className={hint}>
        Where you are signed in. If you don&apos;t recognise a device, sign it out: it is signed out on its next click or API call.
      </p>
      <ul className={list} aria-label="Active sessions">
        {sessions.map((session) => {
          const current = session.id === user.sessionId;
          const device = describeUserAgent(session.userAgent);
          return (
            <li key={session.id} className={listItem} data-testid="session" data-current={current ? "true" : undefined}>
              <div className={headingRow}>
                <DevicesIcon />
                <strong>{device}</strong> {current ? <span className={badge("ok")}>This device</span> : null}
              </div>
              <p className={hint}>
                {providerName(env, session.provider) ?? session.provider} · IP {session.ip ?? "unknown"} · signed in{" "}
                <UtcTime date={session.createdAt} /> · last active <UtcTime date={session.lastSeenAt} />
              </p>
              {current ? null : (
                <form action={signOutSession}>
                  <input type="hidden" name="sessionId" value={session.id} />
                  <PendingButton className={button("secondary")} pendingLabel="Signing out…">
                    Sign out
                  </PendingButton>
                </form>
              )}
            </li>
          );
        })}
      </ul>
      {others > 0 ? (
        <form action={signOutEverywhereElse}>
          <PendingButton className={button("primary")} pendingLabel="Signing out…">
            Sign out everywhere else
          </PendingButton>
        </form>
      ) : (
        <p className={hint}>You are not signed in anywhere else.</p>
      )}
    </div>
  );
}
