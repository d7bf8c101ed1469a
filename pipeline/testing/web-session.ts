// A script's way into web mode, as docs/security.md describes it: take a one-time link, trade its
// code for a session with one POST, then send the session as a Bearer header.

export function codeOf(link: string): string {
  const code = new URLSearchParams(new URL(link).hash.slice(1)).get('code');
  if (!code) throw new Error(`${link} carries no one-time code`);
  return code;
}

export async function exchangeCode(baseUrl: string, code: string): Promise<Response> {
  return fetch(new URL('/auth/session', baseUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
}

/** A session for the server behind a one-time link. */
export async function sessionFor(link: string): Promise<string> {
  const res = await exchangeCode(link, codeOf(link));
  const body = (await res.json()) as { ok: boolean; result?: { session: string }; error?: { message: string } };
  if (!body.ok || !body.result) throw new Error(`the link was refused: ${body.error?.message ?? res.status}`);
  return body.result.session;
}
