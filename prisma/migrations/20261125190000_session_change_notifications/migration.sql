-- Session change notifications (lib/db/change-feed.ts, lib/session-cache.ts).
--
-- An app instance may keep the answer of a session check (the session, its user, the user's linked
-- providers) in memory for a few seconds. It may do so only because the database itself announces,
-- on the channel "session_changes", every change that could alter that answer: a session revoked,
-- deleted or moved back in time; a user edited or deleted; a provider linked or unlinked. Being
-- triggers, they cover every writer: this app, another instance, a script, a person at a SQL
-- prompt. Payloads are "session:<id>", "user:<id>", and "reset" after a TRUNCATE (which fires no
-- row triggers).
--
-- Not announced, because nothing cached depends on them: a session's last-seen write moving
-- forward (once a minute per session) and a linked account's token writes (every refresh).

CREATE FUNCTION "notify_session_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed RECORD;
BEGIN
  IF TG_OP = 'INSERT' THEN
    changed := NEW;
  ELSE
    changed := OLD;
  END IF;
  IF TG_TABLE_NAME = 'UserSession' THEN
    PERFORM pg_notify('session_changes', 'session:' || changed."id");
  ELSIF TG_TABLE_NAME = 'User' THEN
    PERFORM pg_notify('session_changes', 'user:' || changed."id");
  ELSE
    PERFORM pg_notify('session_changes', 'user:' || changed."userId");
    IF TG_OP = 'UPDATE' AND NEW."userId" <> OLD."userId" THEN
      PERFORM pg_notify('session_changes', 'user:' || NEW."userId");
    END IF;
  END IF;
  RETURN NULL;
END;
$$;

CREATE FUNCTION "notify_session_reset"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('session_changes', 'reset');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "UserSession_notify_update" AFTER UPDATE ON "UserSession" FOR EACH ROW
  WHEN (OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
     OR OLD."id" <> NEW."id"
     OR OLD."userId" <> NEW."userId"
     OR OLD."provider" <> NEW."provider"
     OR OLD."createdAt" <> NEW."createdAt"
     OR NEW."lastSeenAt" < OLD."lastSeenAt")
  EXECUTE FUNCTION "notify_session_change"();

CREATE TRIGGER "UserSession_notify_delete" AFTER DELETE ON "UserSession" FOR EACH ROW
  EXECUTE FUNCTION "notify_session_change"();

CREATE TRIGGER "UserSession_notify_truncate" AFTER TRUNCATE ON "UserSession" FOR EACH STATEMENT
  EXECUTE FUNCTION "notify_session_reset"();

CREATE TRIGGER "User_notify_update" AFTER UPDATE ON "User" FOR EACH ROW
  WHEN (OLD."id" <> NEW."id"
     OR OLD."name" IS DISTINCT FROM NEW."name"
     OR OLD."email" IS DISTINCT FROM NEW."email"
     OR OLD."image" IS DISTINCT FROM NEW."image")
  EXECUTE FUNCTION "notify_session_change"();

CREATE TRIGGER "User_notify_delete" AFTER DELETE ON "User" FOR EACH ROW
  EXECUTE FUNCTION "notify_session_change"();

CREATE TRIGGER "User_notify_truncate" AFTER TRUNCATE ON "User" FOR EACH STATEMENT
  EXECUTE FUNCTION "notify_session_reset"();

CREATE TRIGGER "Account_notify_insert_delete" AFTER INSERT OR DELETE ON "Account" FOR EACH ROW
  EXECUTE FUNCTION "notify_session_change"();

CREATE TRIGGER "Account_notify_update" AFTER UPDATE ON "Account" FOR EACH ROW
  WHEN (OLD."userId" <> NEW."userId" OR OLD."provider" <> NEW."provider" OR OLD."createdAt" <> NEW."createdAt")
  EXECUTE FUNCTION "notify_session_change"();

CREATE TRIGGER "Account_notify_truncate" AFTER TRUNCATE ON "Account" FOR EACH STATEMENT
  EXECUTE FUNCTION "notify_session_reset"();
