import { ApiFailure, resumeSession, signIn, signOut, whenSignedOut } from "./api";
import { field, h, mount } from "./dom";
import { alertPage, alertsPage } from "./pages/alerts";
import { bouncersPage } from "./pages/bouncers";
import { allowlistsPage, profilesPage } from "./pages/config";
import { decisionsPage } from "./pages/decisions";
import { machinesPage } from "./pages/machines";
import { overviewPage } from "./pages/overview";

/**
 * Rampart's web console: a hash-routed single page over the admin API (`#/overview`,
 * `#/alerts?…`, `#/alerts/<id>`, `#/decisions?…`, `#/machines`, `#/bouncers`, `#/allowlists`,
 * `#/profiles`). Signed in, it holds only the CSRF token in memory; the session is a cookie.
 */

const PAGES = [
  ["overview", "Overview"],
  ["alerts", "Alerts"],
  ["decisions", "Decisions"],
  ["machines", "Machines"],
  ["bouncers", "Bouncers"],
  ["allowlists", "Allowlists"],
  ["profiles", "Profiles"],
] as const;

const app = document.getElementById("app")!;

function showSignIn(message = ""): void {
  const form: HTMLFormElement = h(
    "form",
    {
      id: "sign-in",
      class: "sign-in",
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          await signIn(field(form, "token"));
          if (!location.hash || location.hash === "#/") location.hash = "#/overview";
          void showApp();
        } catch (err) {
          const why =
            err instanceof ApiFailure && err.status === 403
              ? "wrong admin token"
              : (err as Error).message;
          showSignIn(`Sign-in refused: ${why}`);
        }
      },
    },
    h("h1", {}, "Rampart console"),
    h(
      "label",
      {},
      "Admin token",
      h("input", {
        type: "password",
        name: "token",
        autocomplete: "current-password",
        required: true,
      }),
    ),
    h("button", { type: "submit" }, "Sign in"),
    message ? h("p", { class: "status bad", role: "alert", id: "sign-in-error" }, message) : null,
  );
  mount(app, form);
}

let main: HTMLElement | null = null;

function shell(): HTMLElement {
  const content = h("main", { id: "content" });
  const nav = h(
    "nav",
    {},
    h("span", { class: "brand" }, "Rampart"),
    ...PAGES.map(([id, label]) => h("a", { href: `#/${id}`, "data-page": id }, label)),
    h(
      "button",
      {
        type: "button",
        id: "sign-out",
        onclick: async () => {
          await signOut().catch(() => {});
          main = null;
          showSignIn("Signed out.");
        },
      },
      "Sign out",
    ),
  );
  mount(app, nav, content);
  return content;
}

async function route(): Promise<void> {
  if (!main) return;
  const [path = "", search = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const params = new URLSearchParams(search);
  const [page = "overview", id] = path.split("/");
  for (const a of app.querySelectorAll("nav a")) {
    a.classList.toggle("active", a.getAttribute("data-page") === page);
  }
  main.replaceChildren(h("p", { class: "loading" }, "Loading…"));
  try {
    if (page === "alerts" && id) await alertPage(main, id);
    else if (page === "alerts") await alertsPage(main, params);
    else if (page === "decisions") await decisionsPage(main, params);
    else if (page === "machines") await machinesPage(main);
    else if (page === "bouncers") await bouncersPage(main);
    else if (page === "allowlists") await allowlistsPage(main);
    else if (page === "profiles") await profilesPage(main);
    else await overviewPage(main, params);
  } catch (err) {
    if (main) mount(main, h("p", { class: "status bad" }, `Error: ${(err as Error).message}`));
  }
}

async function showApp(): Promise<void> {
  main = shell();
  await route();
}

whenSignedOut(() => {
  main = null;
  showSignIn("Your session ended: sign in again.");
});
window.addEventListener("hashchange", () => void route());
void resumeSession().then((ok) => (ok ? showApp() : showSignIn()));
