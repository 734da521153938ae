import bcrypt from "bcryptjs";
import {
  createMachine,
  deleteMachine,
  findMachine,
  recordHeartbeat,
  recordLogin,
} from "../../db/machines";
import { t } from "../../shared/go-json";
import { inAnyRange } from "../../shared/ip-range";
import { findToken, issueToken, verifyToken } from "../auth/jwt";
import { requireLiveMachine } from "../auth/middleware";
import { spendRateLimit } from "../auth/rate-limit";
import { ouAllowed } from "../auth/tls";
import { splitUserAgent } from "../auth/user-agent";
import { readJson, UNAUTHENTICATED_BODY_LIMIT } from "../body";
import { isLoopback } from "../client-ip";
import type { AppContext } from "../context";
import { ApiError, emptyResponse, jsonResponse } from "../errors";
import type { RouteDef } from "../route-def";

const BCRYPT_COST = 10;
const WRONG_CREDENTIALS = "incorrect Username or Password";

const registrationRequest = t.struct("models.WatcherRegistrationRequest", {
  machine_id: { type: t.string, required: true },
  password: { type: t.string, required: true },
  registration_token: { type: t.string },
});

const authRequest = t.struct("models.WatcherAuthRequest", {
  machine_id: { type: t.string, required: true },
  password: { type: t.string, required: true },
  scenarios: { type: t.array(t.string) },
});

const tlsAuthRequest = t.struct("models.WatcherAuthRequest", {
  scenarios: { type: t.array(t.string) },
});

interface Registration {
  machine_id: string;
  password: string;
  registration_token?: string;
}

/** POST /v1/watchers (CrowdSec pkg/apiserver/controllers/v1/machines.go `CreateMachine`). */
async function register(c: AppContext): Promise<Response> {
  const { config, clientIp } = c.var;
  if (config.disableRemoteRegistration && !isLoopback(clientIp)) {
    throw new ApiError("forbidden", "access forbidden");
  }
  await spendRateLimit(c.env.REGISTER_RATE_LIMIT, "register", clientIp);
  const body = await readJson<Registration>(c, registrationRequest, {
    goName: "models.WatcherRegistrationRequest",
    limit: UNAUTHENTICATED_BODY_LIMIT,
    validationCode: "unprocessable",
  });
  const token = body.registration_token;
  if (token !== undefined && (token.length < 32 || token.length > 255)) {
    const bound = token.length < 32 ? "at least 32" : "at most 255";
    throw new ApiError(
      "unprocessable",
      `validation failure list:\nregistration_token in body should be ${bound} chars long`,
    );
  }
  let validated = false;
  const auto = config.autoRegistration;
  if (auto.enabled && token !== undefined) {
    if (token !== auto.token) {
      throw new ApiError("unauthorized", "invalid token for auto registration");
    }
    if (!inAnyRange(clientIp, auto.allowedRanges)) {
      throw new ApiError("unauthorized", "IP not in allowed range for auto registration");
    }
    validated = true;
  }
  // bcrypt only looks at 72 bytes; CrowdSec 1.5+ refuses longer passwords instead of truncating.
  if (new TextEncoder().encode(body.password).length > 72) {
    throw new ApiError("badRequest", "unable to hash");
  }
  const passwordHash = await bcrypt.hash(body.password, BCRYPT_COST);
  const created = await createMachine(c.var.db, {
    machineId: body.machine_id,
    passwordHash,
    ipAddress: clientIp,
    isValidated: validated,
    authType: "password",
  });
  if (created === "duplicate") {
    throw new ApiError("forbidden", `user '${body.machine_id}': user already exist`);
  }
  return emptyResponse(validated ? 202 : 201);
}

interface AuthBody {
  machine_id: string;
  password: string;
  scenarios?: string[];
}

function loginFailure(message: string): ApiError {
  return new ApiError("jwtUnauthorized", message);
}

/**
 * POST /v1/watchers/login (CrowdSec pkg/apiserver/middlewares/v1/jwt.go `Authenticator`,
 * tls_auth.go): password or agent client certificate.
 */
async function login(c: AppContext): Promise<Response> {
  const { clientIp, startedAt } = c.var;
  const failures = c.var.caches.loginFailures;
  failures.check(clientIp, startedAt);
  try {
    return await checkLogin(c);
  } catch (error) {
    if (error instanceof ApiError && error.code === "jwtUnauthorized") {
      await failures.failed(c.env.LOGIN_FAILURE_RATE_LIMIT, clientIp, startedAt);
    }
    throw error;
  }
}

async function checkLogin(c: AppContext): Promise<Response> {
  const { config, clientIp, startedAt } = c.var;
  const db = c.var.db;
  const decodeOpts = {
    goName: "models.WatcherAuthRequest",
    limit: UNAUTHENTICATED_BODY_LIMIT,
    syntaxCode: "jwtUnauthorized",
    validationCode: "jwtUnauthorized",
    syntaxPrefix: "missing: ",
  } as const;
  const cert = c.var.clientCert;
  if (cert.kind === "ok" && ouAllowed(cert.identity, config.agentsAllowedOu)) {
    const body = await readJson<{ scenarios?: string[] }>(c, tlsAuthRequest, decodeOpts);
    const machineId = `${cert.identity.cn}@${clientIp}`;
    let machine = await findMachine(db, machineId);
    if (machine && machine.authType !== "tls") {
      throw loginFailure(
        `machine ${machineId} attempted to auth with tls cert but it is configured to use password`,
      );
    }
    if (!machine) {
      const random = crypto.getRandomValues(new Uint8Array(32));
      await createMachine(db, {
        machineId,
        passwordHash: await bcrypt.hash(btoa(String.fromCharCode(...random)), 4),
        ipAddress: clientIp,
        isValidated: true,
        authType: "tls",
      });
      machine = await findMachine(db, machineId);
      if (!machine) throw loginFailure(WRONG_CREDENTIALS);
    }
    await recordLoginDetails(c, machine.id, machine, body.scenarios);
    return tokenResponse(config.jwtSecret, machineId, startedAt);
  }
  const body = await readJson<AuthBody>(c, authRequest, decodeOpts);
  const machine = await findMachine(db, body.machine_id);
  if (!machine) throw loginFailure("ent: machine not found");
  if (machine.authType !== "password") {
    throw loginFailure(
      `machine ${body.machine_id} attempted to auth with password but it is configured to use tls`,
    );
  }
  if (!machine.isValidated) throw loginFailure(`machine ${body.machine_id} not validated`);
  if (!(await bcrypt.compare(body.password, machine.password))) {
    throw loginFailure(WRONG_CREDENTIALS);
  }
  await recordLoginDetails(c, machine.id, machine, body.scenarios);
  return tokenResponse(config.jwtSecret, body.machine_id, startedAt);
}

/** Scenarios (when sent), IP (when changed) and version (from the User-Agent). */
async function recordLoginDetails(
  c: AppContext,
  id: number,
  machine: { ipAddress: string; version: string },
  scenarios: string[] | undefined,
): Promise<void> {
  // CrowdSec refuses logins whose User-Agent is not exactly `<name>/<version>`.
  const ua = splitUserAgent(c.req.header("User-Agent"));
  if (!ua) throw loginFailure(WRONG_CREDENTIALS);
  const update: Parameters<typeof recordLogin>[2] = {};
  if (scenarios && scenarios.length > 0) update.scenarios = scenarios.join(",");
  if (machine.ipAddress !== c.var.clientIp) update.ipAddress = c.var.clientIp;
  if (machine.version !== ua.version) update.version = ua.version;
  await recordLogin(c.var.db, id, update);
}

async function tokenResponse(secret: Uint8Array, machineId: string, now: number) {
  const { token, expire } = await issueToken(secret, machineId, now);
  return jsonResponse({ code: 200, expire, token });
}

/** GET /v1/refresh_token: the handler checks the (possibly expired) token itself. */
async function refresh(c: AppContext): Promise<Response> {
  const token = findToken(c.req.raw);
  if (!token) throw new ApiError("jwtUnauthorized", "cookie token is empty");
  const r = await verifyToken(c.var.config.jwtSecret, token, c.var.startedAt, true);
  if (!r.ok) throw new ApiError(r.status ? "jwtBadRequest" : "jwtUnauthorized", r.message);
  await requireLiveMachine(c, r.machineId);
  return tokenResponse(c.var.config.jwtSecret, r.machineId, c.var.startedAt);
}

/** GET /v1/heartbeat. */
async function heartbeat(c: AppContext): Promise<Response> {
  const found = await recordHeartbeat(c.var.db, c.var.machineId, c.var.startedAt);
  if (!found) throw new ApiError("serverError", "ent: machine not found");
  return emptyResponse(200);
}

/** DELETE /v1/watchers/self (1.7+). */
async function deleteSelf(c: AppContext): Promise<Response> {
  const id = c.var.machineId;
  if (!(await deleteMachine(c.var.db, id))) {
    throw new ApiError("serverError", `'${id}' does not exist`);
  }
  return emptyResponse(204);
}

export const watcherRoutes: RouteDef[] = [
  { method: "POST", path: "/v1/watchers", auth: "none", handler: register },
  { method: "POST", path: "/v1/watchers/login", auth: "none", handler: login },
  { method: "GET", path: "/v1/refresh_token", auth: "refresh", handler: refresh },
  { method: "GET", path: "/v1/heartbeat", auth: "jwt", handler: heartbeat },
  { method: "DELETE", path: "/v1/watchers/self", auth: "jwt", handler: deleteSelf },
];
