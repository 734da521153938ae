import { z } from "zod";
import { readAdminBody } from "../admin-body";
import {
  issueSession,
  readSessionCookie,
  sessionCookie,
  verifySession,
} from "../auth/console-session";
import { constantTimeEqual } from "../auth/constant-time";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

/** Sign-in, session and sign-out of the web console (see auth/console-session.ts). */

const signIn = z.object({ token: z.string().min(1).max(1024) }).strict();

const isHttps = (c: AppContext) => new URL(c.req.url).protocol === "https:";

function sessionJson(csrf: string, exp: number) {
  return { csrf_token: csrf, expires_at: new Date(exp * 1000).toISOString() };
}

async function createSession(c: AppContext): Promise<Response> {
  const { config, clientIp, startedAt, caches } = c.var;
  if (!config.adminToken) {
    throw new ApiError("forbidden", "the admin API is disabled (ADMIN_TOKEN is not set)");
  }
  // Failed sign-ins spend the failed-login budget of the address, as machine logins do.
  caches.loginFailures.check(clientIp, startedAt);
  const body = await readAdminBody(c, signIn);
  if (!(await constantTimeEqual(body.token, config.adminToken))) {
    await caches.loginFailures.failed(c.env.LOGIN_FAILURE_RATE_LIMIT, clientIp, startedAt);
    throw new ApiError("forbidden", "wrong admin token");
  }
  const { cookieValue, session } = await issueSession(
    config.jwtSecret,
    config.adminToken,
    startedAt,
  );
  return jsonResponse(sessionJson(session.csrf, session.exp), 201, {
    "Set-Cookie": sessionCookie(cookieValue, isHttps(c)),
    "Cache-Control": "no-store",
  });
}

async function currentSession(c: AppContext): Promise<Response> {
  const { config, startedAt } = c.var;
  const cookie = readSessionCookie(c.req.header("Cookie"));
  const session =
    cookie && config.adminToken
      ? await verifySession(config.jwtSecret, config.adminToken, cookie, startedAt)
      : null;
  if (!session) throw new ApiError("notFound", "no console session (signed in with a token)");
  return jsonResponse(sessionJson(session.csrf, session.exp), 200, {
    "Cache-Control": "no-store",
  });
}

function endSession(c: AppContext): Response {
  return jsonResponse({ signed_out: true }, 200, {
    "Set-Cookie": sessionCookie(null, isHttps(c)),
  });
}

export const consoleSessionRoutes: RouteDef[] = [
  {
    method: "POST",
    path: "/admin/v1/console/session",
    auth: "none",
    handler: createSession,
    doc: {
      summary:
        "Console sign-in: the admin token becomes an HttpOnly session cookie; returns its CSRF token",
      body: signIn,
      success: { status: 201, description: "{csrf_token, expires_at}; 403 for a wrong token" },
    },
  },
  {
    method: "GET",
    path: "/admin/v1/console/session",
    auth: "admin",
    handler: currentSession,
    doc: { summary: "The console session's CSRF token and expiry; 404 without a session" },
  },
  {
    method: "DELETE",
    path: "/admin/v1/console/session",
    auth: "admin",
    handler: endSession,
    doc: { summary: "Console sign-out: clears the session cookie (CSRF header required)" },
  },
];
