/**
 * DEV_MODE ONLY. A local stand-in for Turnstile's widget script, served at
 * `<control>/dev/turnstile.js` because `challenges.cloudflare.com/turnstile/v0/api.js` cannot load
 * offline (local stack, CI, the browser test). It renders a checkbox into each `.cf-turnstile`
 * element; ticking it puts the dummy token that Turnstile's *test* site keys also produce
 * (`XXXX.DUMMY.TOKEN.XXXX`) into the `cf-turnstile-response` field and calls `data-callback`.
 * It proves nothing about the visitor: the token is only accepted by a siteverify that is
 * simulated too (tests) or by Turnstile's always-pass test secret. Never served without
 * DEV_MODE=true.
 */
export const TURNSTILE_STAND_IN_JS = `(() => {
  "use strict";
  const TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
  for (const el of document.querySelectorAll(".cf-turnstile")) {
    const form = el.closest("form");
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "cf-turnstile-response";
    input.value = "";
    const label = document.createElement("label");
    label.style.cssText = "display:inline-flex;gap:.5rem;align-items:center;border:1px solid #ccc;padding:.8rem 1rem;border-radius:4px;margin:.5rem 0";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.id = "rampart-dev-turnstile";
    label.append(box, document.createTextNode("I am human (local Turnstile stand-in, dev mode)"));
    box.addEventListener("change", () => {
      input.value = box.checked ? TOKEN : "";
      const cb = el.getAttribute("data-callback");
      if (box.checked && cb && typeof window[cb] === "function") window[cb](TOKEN);
    });
    el.append(label);
    (form || el).append(input);
  }
})();
`;
