import type { Metadata } from "next";

import { UtcTime } from "@/components/utc-time";
import { requireUser } from "@/lib/dal";
import { db, getEnv } from "@/lib/services";
import { providerName } from "@/lib/providers/registry";
import { ACTIVITY_PAGE_SIZE, describeSignInResult, listSignInActivity } from "@/lib/auth/activity";
import { describeUserAgent } from "@/lib/session/device";

export const metadata: Metadata = { title: "Sign-in activity" };

export default async function ActivityPage() {
  const user = await requireUser("/settings/activity");
  const env = getEnv();
  const events = await listSignInActivity(db, user.id);

  return (
    <div className="card stack">
      <h1>Sign-in activity</h1>
      <p className="hint">
        Your last {ACTIVITY_PAGE_SIZE} sign-ins, and the failed attempts we know were yours (a reconnect that did not work). If something
        here was not you, sign it out on the <a href="/settings/sessions">Sessions</a> page.
      </p>
      {events.length === 0 ? (
        <p>No sign-ins recorded yet.</p>
      ) : (
        <table className="activity">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Provider</th>
              <th scope="col">Device</th>
              <th scope="col">IP</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => (
              <tr key={event.id} data-testid="activity" data-result={event.result}>
                <td data-label="Time">
                  <UtcTime date={event.createdAt} />
                </td>
                <td data-label="Provider">{providerName(env, event.provider) ?? event.provider}</td>
                <td data-label="Device">{describeUserAgent(event.userAgent)}</td>
                <td data-label="IP">{event.ip ?? "unknown"}</td>
                <td data-label="Result">
                  {event.result === "success" ? describeSignInResult(event.result) : <strong>{describeSignInResult(event.result)}</strong>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
