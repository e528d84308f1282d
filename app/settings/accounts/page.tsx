import type { Metadata } from "next";

import { ProviderMark } from "@/components/icons";
import { ProviderProfilePanel } from "@/components/provider-profile-panel";
import { ReconnectButton } from "@/components/reconnect-button";
import { badge, card, headingRow, hint, list, listItem, stack } from "@/components/styles";
import type { AccountConnection } from "@/lib/providers/tokens/store";
import { requireUser } from "@/lib/dal";
import { providerById, providerName } from "@/lib/providers/registry";
import { getEnv, providerTokens } from "@/lib/services";
import { retryAfterFromQuery } from "@/lib/security/rate-limits/apply";

import { LinkNotice, LinkProviderButtons, UnlinkButton } from "./link-controls";

export const metadata: Metadata = { title: "Linked accounts" };

const PATH = "/settings/accounts";

function expiryText(connection: AccountConnection): { iso: string; text: string } | null {
  if (connection.expiresAt === null) return null;
  const iso = new Date(connection.expiresAt * 1000).toISOString();
  return { iso, text: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` };
}

type SearchParams = Promise<Record<string, string | string[] | undefined>>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function LinkedAccountsPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser(PATH);
  const params = await searchParams;
  const env = getEnv();
  const nameOf = (id: string) => providerName(env, id) ?? id;
  // The live call first: it may refresh the token, or find the grant revoked, and the list below
  // must show the state it left behind.
  const tokens = await providerTokens();
  const live = user.provider ? await tokens.liveProfile(user.id, user.provider) : null;
  const connections = await tokens.connections(user.id);
  const linkable = env.providers.filter((p) => !connections.some((c) => c.provider === p.id));

  return (
    <div className={`${card} ${stack}`}>
      <h1>Linked accounts</h1>
      <p className={hint}>The providers you sign in with. Their tokens stay on this server, encrypted, and are renewed automatically.</p>
      <LinkNotice
        notice={one(params.notice)}
        providerName={providerName(env, one(params.provider)) ?? "That provider"}
        retryAfter={retryAfterFromQuery(params.retry_after)}
      />
      <ul className={list}>
        {connections.map((connection) => {
          const expiry = expiryText(connection);
          const name = nameOf(connection.provider);
          return (
            <li key={connection.provider} className={listItem} data-testid={`connection-${connection.provider}`}>
              <div className={headingRow}>
                <ProviderMark mark={providerById(env, connection.provider)?.mark} />
                <strong>{name}</strong>{" "}
                {connection.state === "connected" ? (
                  <span className={badge("ok")}>Connected</span>
                ) : (
                  <span className={badge("warning")}>Needs reconnect</span>
                )}
                {connection.provider === user.provider ? <span className={hint}> (this session)</span> : null}
              </div>
              {connection.state === "connected" ? (
                <p className={hint}>
                  {expiry ? (
                    <>
                      Access token valid until <time dateTime={expiry.iso}>{expiry.text}</time>
                      {connection.canRefresh ? ", then renewed automatically" : ""}
                    </>
                  ) : (
                    "Access token without an expiry date"
                  )}
                </p>
              ) : (
                <ReconnectButton provider={connection.provider} providerName={name} returnTo={PATH} />
              )}
              <UnlinkButton provider={connection.provider} providerName={name} />
            </li>
          );
        })}
      </ul>
      <LinkProviderButtons providers={linkable} />
      {live && user.provider ? <ProviderProfilePanel result={live} providerName={nameOf(user.provider)} /> : null}
    </div>
  );
}
