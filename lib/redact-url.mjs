// Credentials kept out of logs and error messages, in one place for the TypeScript code and the plain
// Node scripts (hence plain JavaScript, with types in redact-url.d.mts): a URL's userinfo password
// (postgres://user:pw@host, redis://:pw@host), and query values named like a credential — the session
// token Shopify puts in the embedded app's URL (id_token), OAuth's code/hmac/state, signed blob links'
// signatures, and anything named like a password, secret or token. The parameter stays (its name
// helps reading a log); its value goes.

const SENSITIVE =
  /^(id_token|session|code|hmac|signature|state|password|passwd|pwd|secret|token|key|sig|api_key|apikey)$|([-_]token|[-_]secret|[-_]signature|password)$/i;

function decodedName(part) {
  const raw = part.split("=", 1)[0];
  try {
    return decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    return raw;
  }
}

/** The URL (absolute, or a path with its query as a request line has it) with sensitive query values replaced by "***". */
export function redactQueryCredentials(url) {
  const start = url.indexOf("?");
  if (start < 0) return url;
  const hash = url.indexOf("#", start);
  const query = url.slice(start + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split("&")
    .map((part) => (part.includes("=") && SENSITIVE.test(decodedName(part)) ? `${part.split("=", 1)[0]}=***` : part))
    .join("&");
  return `${url.slice(0, start + 1)}${redacted}${hash < 0 ? "" : url.slice(hash)}`;
}

/** The URL with its userinfo password and sensitive query values replaced by "***": safe for logs and error messages. */
export function redactUrl(url) {
  return redactQueryCredentials(url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, "$1:***@"));
}
