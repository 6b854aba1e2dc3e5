/** Status code of a message/sipfrag body in a REFER progress NOTIFY (RFC 3515 §2.4.5), e.g. "SIP/2.0 200 OK". */
export function sipfragStatus(body: string | undefined): number | undefined {
  const m = /^SIP\/2\.0\s+(\d{3})/.exec(body?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}
