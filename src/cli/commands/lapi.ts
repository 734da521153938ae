/** `rampart lapi status|register` (cscli lapi). */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { stringify } from "yaml";
import { json, paint } from "../output.js";
import { examples, outputOf } from "./context.js";
import type { MachinesDeps } from "./machines.js";

/** `rampart lapi`. */
export function makeLapiCommand(deps: MachinesDeps): Command {
  const write =
    deps.writeFile ?? ((path: string, text: string) => writeFileSync(path, text, { mode: 0o600 }));

  const status = examples(
    new Command("status")
      .description("Check that the LAPI answers and that the machine credentials log in")
      .action(async (_o, command: Command) => {
        const health = await deps.client.health();
        const login = await deps.client.login();
        if (outputOf(command) === "json") {
          deps.io.stdout(
            json({
              url: deps.url(),
              health: health.status,
              machine_id: login.machineId,
              token_expire: login.expire,
            }),
          );
          return;
        }
        deps.io.stdout(
          `Trying to authenticate with username ${login.machineId} on ${deps.url()}\n` +
            `${paint(deps.io.color, "green", "You can successfully interact with Local API (LAPI)")}\n`,
        );
      }),
    [
      "rampart lapi status",
      "RAMPART_URL=https://lapi.example.workers.dev rampart lapi status -o json",
    ],
  );

  const register = examples(
    new Command("register")
      .description("Register a new machine with POST /v1/watchers (it must then be validated)")
      .option("--machine <machine_id>", "machine id (default: a random one)")
      .option(
        "-f, --file <file>",
        "write the credentials (local_api_credentials.yaml format) to this file",
      )
      .action(async (o, command: Command) => {
        // cscli: a random 64-character password, machine id from the host id (random here).
        const machineId: string = o.machine ?? `rampart-${randomBytes(16).toString("hex")}`;
        const password = randomBytes(48).toString("base64url");
        await deps.client.register(machineId, password);
        const creds = stringify({ url: deps.url(), login: machineId, password });
        if (outputOf(command) === "json") {
          if (o.file) write(o.file, creds);
          deps.io.stdout(
            json({
              url: deps.url(),
              login: machineId,
              ...(o.file ? { file: o.file } : { password }),
            }),
          );
          return;
        }
        if (o.file) {
          write(o.file, creds);
          deps.io.stdout(
            `Successfully registered to Local API (LAPI)\nLocal API credentials written to '${o.file}'\n`,
          );
        } else deps.io.stdout(`Successfully registered to Local API (LAPI)\n${creds}`);
        deps.io.stdout(`Run 'rampart machines validate ${machineId}' to let it log in.\n`);
      }),
    ["rampart lapi register --machine agent-3 -f ./local_api_credentials.yaml"],
  );

  return new Command("lapi")
    .description("Check and register with the Local API")
    .addCommand(status)
    .addCommand(register);
}
