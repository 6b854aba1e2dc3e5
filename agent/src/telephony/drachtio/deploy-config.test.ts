/**
 * docker-compose.yml, the drachtio and FreeSWITCH XML and .env.example, checked without Docker:
 * parsed (YAML; a small XML well-formedness checker) and the settings that matter asserted.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { envSchema, SECRET_VARS } from '../../config/env-schema.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const read = (p: string): string => readFileSync(`${root}${p}`, 'utf8');

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** Minimal XML parser: elements, attributes, text, comments, <?xml?>. Throws on malformed nesting. */
function parseXml(src: string): XmlNode {
  const rootNode: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack = [rootNode];
  const re =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([A-Za-z][\w.:-]*)\s*>|<([A-Za-z][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)|(<)/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const top = stack[stack.length - 1]!;
    if (m[6]) throw new Error(`stray '<' at ${m.index}`);
    if (m[1]) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}> at ${m.index}`);
      stack.pop();
    } else if (m[2]) {
      const attrs: Record<string, string> = {};
      for (const a of (m[3] ?? '').matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
        attrs[a[1]!] = a[2] ?? a[3] ?? '';
      const node: XmlNode = { name: m[2], attrs, children: [], text: '' };
      top.children.push(node);
      if (!m[4]) stack.push(node);
    } else if (m[5]) {
      if (stack.length === 1 && m[5].trim()) throw new Error('text outside the root element');
      top.text += m[5];
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is never closed`);
  if (rootNode.children.length !== 1) throw new Error('expected exactly one root element');
  return rootNode.children[0]!;
}

function all(node: XmlNode, name: string): XmlNode[] {
  return [...(node.name === name ? [node] : []), ...node.children.flatMap((c) => all(c, name))];
}
const params = (node: XmlNode): Record<string, string> =>
  Object.fromEntries(all(node, 'param').map((p) => [p.attrs.name!, p.attrs.value!]));

describe('the XML checker itself', () => {
  it('rejects broken XML', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a>')).toThrow();
    expect(() => parseXml('<a></a><b/>')).toThrow();
    expect(parseXml('<?xml version="1.0"?><!-- x --><a k="v"><b/>t</a>').children[0]!.name).toBe('b');
  });
});

describe('FreeSWITCH configuration', () => {
  it('event socket password comes from the environment, never ClueCon', () => {
    const text = read('freeswitch/conf/autoload_configs/event_socket.conf.xml');
    const p = params(parseXml(text));
    expect(p.password).toBe('$${switchboard_esl_password}');
    expect(text).toContain('data="switchboard_esl_password=printenv FREESWITCH_ESL_PASSWORD"');
    expect(text).not.toMatch(/ClueCon|JambonzR0ck/);
  });

  it('event socket: loopback by default, only the switchboard_esl ACL, and the image entrypoint cannot open it', () => {
    const file = 'freeswitch/conf/autoload_configs/event_socket.conf.xml';
    const text = read(file);
    expect(params(parseXml(text))['listen-ip']).toBe('$${switchboard_esl_listen_ip}');
    expect(text).toContain('FREESWITCH_ESL_LISTEN_IP:-127.0.0.1');
    expect(params(parseXml(text))['apply-inbound-acl']).toBe('switchboard_esl');
    // The drachtio-freeswitch-mrf entrypoint's edits (its entrypoint.sh, as sed -i expressions):
    const afterEntrypoint = text
      .replace(/name="listen-ip" value=".*"/g, 'name="listen-ip" value="0.0.0.0"')
      .replace(
        '<!--<param name="apply-inbound-acl" value="loopback.auto"/>-->',
        '<param name="apply-inbound-acl" value="socket_acl"/>',
      );
    expect(params(parseXml(afterEntrypoint))['listen-ip']).toBe('$${switchboard_esl_listen_ip}');
    expect(params(parseXml(afterEntrypoint))['apply-inbound-acl']).toBe('switchboard_esl');
    const acl = parseXml(read('freeswitch/conf/autoload_configs/acl.conf.xml'));
    const list = all(acl, 'list').find((l) => l.attrs.name === 'switchboard_esl')!;
    expect(list.attrs.default).toBe('deny');
    expect(all(list, 'node').map((n) => `${n.attrs.type} ${n.attrs.cidr}`)).toEqual([
      'allow 127.0.0.0/8',
      'allow $${switchboard_esl_allow}',
    ]);
    expect(read('freeswitch/conf/autoload_configs/acl.conf.xml')).toContain(
      'FREESWITCH_ESL_ALLOW:-127.0.0.1/32',
    );
  });

  it('SIP profile is drachtio_mrf, parks into context mrf, offers PCMU, PCMA, OPUS with RFC 2833 DTMF', () => {
    const text = read('freeswitch/conf/sip_profiles/mrf.xml');
    const profile = parseXml(text);
    expect(profile.name).toBe('profile');
    expect(profile.attrs.name).toBe('drachtio_mrf');
    const p = params(profile);
    expect(p.context).toBe('mrf');
    expect(p['codec-prefs']).toBe('$${switchboard_mrf_codecs}');
    // G722 needs mod_spandsp: not offered unless the operator adds it.
    expect(text).toContain('FREESWITCH_CODECS:-PCMU,PCMA,OPUS}');
    expect(p['sip-ip']).toBe('$${switchboard_mrf_sip_ip}');
    expect(text).toContain('FREESWITCH_SIP_IP:-127.0.0.1}');
    expect(text).toContain('FREESWITCH_EXT_RTP_IP:-auto}');
    expect(p['dtmf-type']).toBe('rfc2833');
    expect(p['enable-3pcc']).toBe('true');
    expect(p['auth-calls']).toBe('false');
  });

  it('dialplan hands fsmrf calls to the outbound socket and refuses the rest', () => {
    const ctx = all(parseXml(read('freeswitch/conf/dialplan/mrf.xml')), 'context')[0]!;
    expect(ctx.attrs.name).toBe('mrf');
    const actions = all(ctx.children[0]!, 'action').map((a) =>
      `${a.attrs.application} ${a.attrs.data ?? ''}`.trim(),
    );
    expect(actions[0]).toBe('answer');
    expect(actions).toContain('socket ${sip_h_X-esl-outbound} async full');
    expect(all(parseXml(read('freeswitch/conf/dialplan/mrf.xml')), 'condition')[0]!.attrs.expression).toBe(
      '^drachtio-fsmrf:(.*)$',
    );
  });

  it('RTP range is configurable and defaults to 20000-29999', () => {
    const text = read('freeswitch/conf/autoload_configs/switch.conf.xml');
    const p = params(parseXml(text));
    expect(p['rtp-start-port']).toBe('$${switchboard_rtp_start}');
    expect(text).toContain('FREESWITCH_RTP_START:-20000');
    expect(text).toContain('FREESWITCH_RTP_END:-29999');
  });

  it('the Dockerfile copies every config file this test checks', () => {
    const docker = read('freeswitch/Dockerfile');
    for (const f of [
      'acl.conf.xml',
      'event_socket.conf.xml',
      'switch.conf.xml',
      'sip_profiles/mrf.xml',
      'dialplan/mrf.xml',
    ])
      expect(docker).toContain(f);
    expect(docker).toMatch(/^FROM \$\{MRF_IMAGE\}/m);
    expect(docker).toContain('drachtio/drachtio-freeswitch-mrf');
  });
});

describe('drachtio.conf.xml', () => {
  it('admin socket on 9022 without a secret in the file; udp/tcp 5060, tls 5061, wss 8443 with certificates', () => {
    const conf = parseXml(read('drachtio/drachtio.conf.xml'));
    const admin = all(conf, 'admin')[0]!;
    expect(admin.attrs.port).toBe('9022');
    expect(admin.attrs.secret).toBeUndefined();
    const contacts = all(conf, 'contact').map((c) => c.text.trim());
    expect(contacts).toEqual([
      'sip:*:5060;transport=udp,tcp',
      'sips:*:5061;transport=tls',
      'sips:*:8443;transport=wss',
    ]);
    expect(all(conf, 'cert-file')[0]!.text).toBe('/etc/drachtio/certs/cert.pem');
    expect(all(conf, 'key-file')[0]!.text).toBe('/etc/drachtio/certs/privkey.pem');
    expect(all(conf, 'loglevel')[0]!.text).toBe('info');
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as {
    services: Record<
      string,
      Record<string, unknown> & { environment?: Record<string, string>; healthcheck?: { test: string[] } }
    >;
  };

  it('runs drachtio, freeswitch and agent on the host network with the env file, health checks and restarts', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'drachtio', 'freeswitch']);
    for (const s of Object.values(compose.services)) {
      expect(s.network_mode).toBe('host');
      expect(s.env_file).toBe('.env');
      expect(s.restart).toBe('unless-stopped');
      expect(s.healthcheck?.test.length).toBeGreaterThan(0);
    }
  });

  it('the agent runs npm start with the drachtio back-end after both are healthy', () => {
    const agent = compose.services.agent!;
    expect(agent.command).toEqual(['npm', 'start']);
    expect(agent.environment?.SWITCHBOARD_TELEPHONY).toBe('drachtio');
    expect(agent.environment?.DRACHTIO_PORT).toBe('9022');
    expect(agent.depends_on).toEqual({
      drachtio: { condition: 'service_healthy' },
      freeswitch: { condition: 'service_healthy' },
    });
  });

  it('no secret is written in the compose file', () => {
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/SECRET:\s*\S|PASSWORD:\s*\S|API_KEY:\s*\S/);
    expect(text).not.toMatch(/ClueCon|cymru|JambonzR0ck/);
    expect(compose.services.freeswitch!.healthcheck!.test.join(' ')).toContain('$$FREESWITCH_ESL_PASSWORD');
  });
});

describe('.env.example', () => {
  const lines = read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z_]+=/.test(l));
  const vars = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );

  it('lists every variable of the env schema plus the FreeSWITCH container ones', () => {
    for (const key of Object.keys(envSchema.shape)) expect(vars, key).toHaveProperty(key);
    for (const key of ['FREESWITCH_ESL_PASSWORD', 'FREESWITCH_RTP_START', 'FREESWITCH_RTP_END'])
      expect(vars).toHaveProperty(key);
  });

  it('holds placeholders, not real secrets, and the agent and FreeSWITCH ESL passwords agree', () => {
    for (const key of SECRET_VARS)
      expect(vars[key] === '' || vars[key]!.startsWith('change-me'), key).toBe(true);
    expect(vars.FREESWITCH!.split(':')[2]).toBe(vars.FREESWITCH_ESL_PASSWORD);
  });
});
