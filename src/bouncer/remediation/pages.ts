/**
 * HTML pages the bouncer serves. Templates use `{{name}}` placeholders, always HTML-escaped;
 * BAN_TEMPLATE / CAPTCHA_TEMPLATE replace the defaults (a captcha template must keep the form
 * fields named below, since the bouncer reads them back).
 */

/** Placeholders: ip, host, type, origin. */
export const DEFAULT_BAN_TEMPLATE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Access denied</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}code{background:#f3f3f3;padding:.1rem .3rem}</style></head>
<body><h1>Access denied</h1>
<p>Requests from your address <code>{{ip}}</code> to <code>{{host}}</code> are blocked by this site's security policy.</p>
<p>If you think this is a mistake, contact the site owner and quote this address.</p>
</body></html>`;

/**
 * Placeholders: ip, host, site_key, script_url, action_url, return_to, error. The form posts
 * `cf-turnstile-response` (filled by the widget) and `return_to`.
 */
export const DEFAULT_CAPTCHA_TEMPLATE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Checking your browser</title>
<script src="{{script_url}}" async defer></script>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}.error{color:#a00}</style></head>
<body><h1>One more step</h1>
<p>Please confirm you are human to continue to <code>{{host}}</code>.</p>
<p class="error">{{error}}</p>
<form id="rampart-captcha" method="POST" action="{{action_url}}">
<div class="cf-turnstile" data-sitekey="{{site_key}}" data-action="rampart-captcha" data-callback="rampartSolved"></div>
<input type="hidden" name="return_to" value="{{return_to}}">
<noscript><p>This check needs JavaScript.</p></noscript>
<button type="submit" id="rampart-continue">Continue</button>
</form>
<script>function rampartSolved(){document.getElementById("rampart-continue").focus()}</script>
</body></html>`;

/** Page served when the bouncer fails closed. */
export const UNAVAILABLE_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body><h1>Temporarily unavailable</h1><p>Please retry in a few seconds.</p></body></html>`;

/** Fills `{{name}}` placeholders with HTML-escaped values (unknown names become empty). */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (_, name: string) =>
    escapeHtml(vars[name] ?? ""),
  );
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** An HTML response that no cache may keep (the answer depends on the client IP). */
export function htmlResponse(
  html: string,
  status: number,
  headers: Record<string, string> = {},
): Response {
  return new Response(html, {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      ...headers,
    },
  });
}
