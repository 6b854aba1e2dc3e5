/** The YAML file of agent profiles, trunks, PBX registrations and softphone users. */
import { z } from 'zod';

const e164OrExtension = z
  .string()
  .regex(/^\+?[0-9A-Za-z_.*#-]{1,32}$/, 'must be a DID like +15551230000 or an extension like 7000');

export const webhookToolSchema = z.object({
  type: z.literal('webhook'),
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'tool names are 1-64 letters, digits, _ or -'),
  description: z.string().min(1),
  url: z.url(),
  method: z.enum(['GET', 'POST']).default('POST'),
  /** JSON schema of the arguments object the LLM fills in. */
  parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
  timeoutMs: z.number().int().positive().max(30_000).default(5000),
  headers: z.record(z.string(), z.string()).default({}),
});

export const builtinToolSchema = z.enum(['end_call', 'transfer_call', 'send_dtmf']);

export const transferTargetSchema = z.object({
  name: z.string().min(1),
  uri: z.string().regex(/^(sips?|tel):/, 'must be a sip:, sips: or tel: URI'),
  description: z.string().default(''),
});

/** Words and phrases that acknowledge rather than interrupt ("uh-huh" while the agent talks). */
export const DEFAULT_BACKCHANNELS = [
  'uh-huh',
  'uh huh',
  'mm-hmm',
  'mhm',
  'mm',
  'hmm',
  'yeah',
  'yep',
  'yes',
  'ok',
  'okay',
  'right',
  'sure',
  'i see',
  'got it',
  'alright',
  'all right',
  'oh',
  'ah',
  'uh',
  'um',
];

/**
 * Turn-taking of one profile: who decides the caller's turn is over, how long to wait after the
 * caller's speech (research voice-agents §1: LiveKit min/max delay 500/3000 ms), preemptive replies
 * and what counts as an interruption while the agent talks.
 */
export const turnSchema = z
  .object({
    /** silence: STT endpointing or VAD silence alone (the old behaviour); transcript: wait longer on
     * unfinished text; audio_model: a local Smart Turn v3 ONNX model; flux: Deepgram Flux ends turns. */
    detector: z.enum(['silence', 'transcript', 'audio_model', 'flux']).default('transcript'),
    /** Silence after the caller's speech before a turn that looks complete ends. */
    minEndpointingDelayMs: z.number().int().min(0).max(5000).default(300),
    /** Silence after the caller's speech before a turn that looks unfinished ends anyway. */
    maxEndpointingDelayMs: z.number().int().min(0).max(10_000).default(2000),
    /** Start the LLM (never the audio) on a likely end of turn; adopt it if the final text matches. */
    preemptiveGeneration: z.boolean().default(true),
    audioModel: z
      .object({
        /** Smart Turn v3.x ONNX file (else SWITCHBOARD_TURN_MODEL). */
        path: z.string().min(1).optional(),
        /** Completion probability at or above which the turn counts as complete. */
        threshold: z.number().min(0).max(1).default(0.5),
      })
      .prefault({}),
    flux: z
      .object({
        model: z.string().min(1).default('flux-general-en'),
        eotThreshold: z.number().min(0.5).max(1).default(0.7),
        /** EagerEndOfTurn / TurnResumed (preemptive replies); only sent when preemptiveGeneration is on. */
        eagerEotThreshold: z.number().min(0.3).max(0.9).default(0.5),
        eotTimeoutMs: z.number().int().min(500).max(60_000).default(5000),
      })
      .prefault({}),
    interruption: z
      .object({
        /** Caller speech while the agent talks must last this long (and hold a real word) to interrupt. */
        minDurationMs: z.number().int().min(0).max(5000).default(300),
        /** After the caller falls silent with no real words, resume the paused reply after this long. */
        falseInterruptionMs: z.number().int().min(100).max(10_000).default(1000),
        /** Said while the agent talks, these do not interrupt. */
        backchannelWords: z.array(z.string().trim().min(1)).default(DEFAULT_BACKCHANNELS),
      })
      .prefault({}),
  })
  .superRefine((t, ctx) => {
    if (t.maxEndpointingDelayMs < t.minEndpointingDelayMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxEndpointingDelayMs'],
        message: `must be at least minEndpointingDelayMs (${t.minEndpointingDelayMs})`,
      });
    }
    if (t.flux.eagerEotThreshold > t.flux.eotThreshold) {
      ctx.addIssue({
        code: 'custom',
        path: ['flux', 'eagerEotThreshold'],
        message: `must not exceed flux.eotThreshold (${t.flux.eotThreshold})`,
      });
    }
  });

/**
 * What an outbound call does once answer detection (agent/src/answer-detection/) has decided who
 * picked up. Safe defaults: on a machine the agent hangs up rather than leave an unplanned message or
 * press keys; to a call-screening assistant it says who is calling and why. A person, or an answer
 * nobody could classify (silence), gets the normal conversation. Acted on by the outbound call's AnswerGate.
 */
export const answerDetectionSchema = z
  .object({
    voicemail: z
      .object({
        action: z.enum(['leave_message', 'hang_up']).default('hang_up'),
        /** Spoken after the beep (or after the greeting when there is no beep); then the call ends. */
        message: z.string().trim().default(''),
      })
      .prefault({}),
    ivr: z
      .object({
        /** navigate: the LLM hears the menu and answers it with DTMF (send_dtmf) toward `goal`. */
        action: z.enum(['navigate', 'hang_up']).default('hang_up'),
        /** Whom to reach through the menu, told to the LLM ("a person in billing"). */
        goal: z.string().trim().default(''),
      })
      .prefault({}),
    screening: z
      .object({
        /** announce: state the caller's name and purpose, then wait for the person. */
        action: z.enum(['announce', 'hang_up']).default('announce'),
        /** What to say; empty: the LLM says it from the system prompt. */
        announcement: z.string().trim().default(''),
      })
      .prefault({}),
  })
  .superRefine((a, ctx) => {
    if (a.voicemail.action === 'leave_message' && a.voicemail.message === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['voicemail', 'message'],
        message: 'is required when voicemail.action is leave_message',
      });
    }
    if (a.ivr.action === 'navigate' && a.ivr.goal === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['ivr', 'goal'],
        message: 'is required when ivr.action is navigate',
      });
    }
  });

/** A provider endpoint a stage can use: the primary one, or the second one the environment names. */
const endpoint = z.enum(['primary', 'secondary']).default('primary');

/** Tried in order when the route before fails before its first token (another model, another endpoint). */
export const llmFallbackSchema = z
  .object({ model: z.string().min(1).optional(), endpoint })
  .refine((f) => f.model !== undefined || f.endpoint === 'secondary', {
    message: 'a fallback needs another model or endpoint: secondary',
  });

/** Tried in order when the route before fails before its first audio (another voice, another endpoint). */
export const ttsFallbackSchema = z
  .object({ voice: z.string().min(1).optional(), model: z.string().min(1).optional(), endpoint })
  .refine((f) => f.voice !== undefined || f.model !== undefined || f.endpoint === 'secondary', {
    message: 'a fallback needs another voice, model or endpoint: secondary',
  });

/**
 * Dead-call backstops of one profile (0 turns one off): the call's longest duration, the caller's
 * silence (a reprompt, then a goodbye), and the STT watchdog (speech heard, no transcript events).
 */
export const backstopsSchema = z
  .object({
    /** After this long the agent says goodbye and hangs up (end reason max_duration). */
    maxCallDurationS: z.number().int().min(0).max(86_400).default(1800),
    /** Caller silent this long (the agent idle, listening): the reprompt is spoken. */
    idleRepromptS: z.number().int().min(0).max(3600).default(15),
    /** Caller silent this long: goodbye and hang up (end reason caller_idle). */
    idleHangupS: z.number().int().min(0).max(3600).default(30),
    /** The VAD hears speech but the STT sends nothing for this long: reconnect it (with audio replay). */
    sttWatchdogMs: z.number().int().min(0).max(60_000).default(4000),
    phrases: z
      .object({
        idleReprompt: z.string().min(1).default('Are you still there?'),
        idleGoodbye: z.string().min(1).default("I haven't heard anything, so I'll hang up now. Goodbye."),
        maxDuration: z
          .string()
          .min(1)
          .default("I'm sorry, we've reached the time limit for this call. Thank you for calling. Goodbye."),
      })
      .prefault({}),
  })
  .superRefine((b, ctx) => {
    if (b.idleHangupS > 0 && b.idleRepromptS > 0 && b.idleHangupS <= b.idleRepromptS) {
      ctx.addIssue({
        code: 'custom',
        path: ['idleHangupS'],
        message: `must be more than idleRepromptS (${b.idleRepromptS}), or 0`,
      });
    }
  });

export const profileSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  systemPrompt: z.string().min(1),
  greeting: z.string().default(''),
  language: z.string().default('en'),
  voice: z.string().default('a0e99841-438c-4a64-b679-ae501e7d6091'),
  llm: z
    .object({
      model: z.string().default('gpt-4o-mini'),
      temperature: z.number().min(0).max(2).optional(),
      fallback: z.array(llmFallbackSchema).max(4).default([]),
      /** The caller's wait from the end of their speech to the reply's first token, retries included. */
      firstTokenBudgetMs: z.number().int().min(500).max(10_000).default(2000),
      /** One attempt's wait for its first token before the next attempt (retry or fallback). */
      attemptTimeoutMs: z.number().int().min(200).max(10_000).default(1200),
    })
    .prefault({}),
  stt: z
    .object({
      model: z.string().default('nova-3'),
      endpointingMs: z.number().int().min(10).max(5000).default(300),
      utteranceEndMs: z.number().int().min(1000).max(5000).default(1000),
    })
    .prefault({}),
  tts: z
    .object({
      model: z.string().default('sonic-2'),
      fallback: z.array(ttsFallbackSchema).max(4).default([]),
      /** One attempt's wait for first audio before the text is replayed on a fresh connection or route. */
      attemptTimeoutMs: z.number().int().min(200).max(10_000).default(1000),
    })
    .prefault({}),
  turn: turnSchema.prefault({}),
  /** Outbound calls: what to do on voicemail, an IVR menu or a call-screening assistant. */
  answerDetection: answerDetectionSchema.prefault({}),
  backstops: backstopsSchema.prefault({}),
  tools: z.array(z.union([builtinToolSchema, webhookToolSchema])).default(['end_call']),
  transferTargets: z.array(transferTargetSchema).default([]),
  /** Request-URI users (DIDs, extensions) that reach this profile. */
  routes: z.array(e164OrExtension).default([]),
});

/**
 * Outbound calls through a trunk or a PBX registration (agent/src/telephony/calls/outbound/): the
 * numbers it may dial (prefixes of the dialled digits; nothing else is ever sent) and its limits.
 */
const outboundLimits = {
  /** Prefixes of the dialled number, e.g. "+1555", "+44"; "" allows every number. Required: no default. */
  allow: z
    .array(z.string().regex(/^\+?[0-9]*$/, 'prefixes are digits with an optional leading +'))
    .min(1, 'list at least one number prefix the trunk may call ("" allows all)'),
  /** Calls in progress (ringing or answered) at once through this trunk. */
  maxConcurrent: z.number().int().min(1).max(10_000).default(10),
  /** New calls per second through this trunk (a burst of this many is allowed). */
  callsPerSecond: z.number().min(0.1).max(1000).default(1),
};

export const trunkOutboundSchema = z.object({
  /** Where INVITEs go, e.g. sip:sip.carrier.example:5060; the number becomes the Request-URI user. */
  uri: z
    .string()
    .regex(/^sips?:[^@\s]+$/, 'must be a sip: URI without a user, e.g. sip:carrier.example:5060'),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  /** Digest credentials answered on 401/407 (MD5 or SHA-256). Never logged. */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** Caller id when the request gives none. */
  from: e164OrExtension.optional(),
  ...outboundLimits,
});

export const trunkSchema = z.object({
  name: z.string().min(1),
  /** Source addresses allowed without a challenge, as CIDRs (10.0.0.0/8, 2001:db8::/32, 1.2.3.4/32). */
  sources: z.array(z.string()).default([]),
  /** Digest credentials the trunk may use instead of (or as well as) a source address. */
  username: z.string().optional(),
  password: z.string().optional(),
  /** Outbound calls through this trunk (POST /api/calls); absent: the trunk only receives calls. */
  outbound: trunkOutboundSchema.optional(),
});

export const registrationSchema = z.object({
  /** The PBX registrar, e.g. sip:pbx.example.com:5060 */
  registrar: z.string().regex(/^sips?:/, 'must be a sip: URI'),
  /** Address of record user (the extension), e.g. 7000 */
  user: z.string().min(1),
  username: z.string().optional(),
  password: z.string(),
  /**
   * When the registrar URI names none (sips: or ;transport= win): udp, tcp or tls. Absent: DNS decides
   * for a name without a port (NAPTR, then SRV: RFC 3263), else udp.
   */
  transport: z.enum(['udp', 'tcp', 'tls']).optional(),
  expires: z.number().int().min(60).max(86_400).default(300),
  /**
   * A keepalive to the registrar this often (seconds; 0 = never) keeps a NAT's mapping open so the PBX's
   * calls get in: an OPTIONS over UDP (default 25), a CRLF ping over TCP/TLS (RFC 5626; default 90).
   * Two unanswered in a row re-REGISTER at once.
   */
  keepaliveS: z.number().int().min(0).max(3600).optional(),
  /** Profile that answers the calls the PBX sends to this extension. */
  profile: z.string().optional(),
  /** Outbound calls placed through this PBX as this extension (POST /api/calls, registration: user). */
  outbound: z.object(outboundLimits).optional(),
});

export const userSchema = z.object({
  username: z.string().regex(/^[a-zA-Z0-9_.+-]{1,64}$/),
  password: z.string().min(4),
  displayName: z.string().optional(),
});

export const profilesFileSchema = z.object({
  defaultProfile: z.string().optional(),
  profiles: z.array(profileSchema).min(1),
  trunks: z.array(trunkSchema).default([]),
  registrations: z.array(registrationSchema).default([]),
  users: z.array(userSchema).default([]),
});

export type WebhookTool = z.infer<typeof webhookToolSchema>;
export type BuiltinTool = z.infer<typeof builtinToolSchema>;
export type TransferTarget = z.infer<typeof transferTargetSchema>;
export type AgentProfile = z.infer<typeof profileSchema>;
export type TurnSettings = z.infer<typeof turnSchema>;
export type AnswerDetectionPolicy = z.infer<typeof answerDetectionSchema>;
export type BackstopSettings = z.infer<typeof backstopsSchema>;
export type Trunk = z.infer<typeof trunkSchema>;
export type TrunkOutbound = z.infer<typeof trunkOutboundSchema>;
export type Registration = z.infer<typeof registrationSchema>;
export type SoftphoneUser = z.infer<typeof userSchema>;
export type ProfilesFile = z.infer<typeof profilesFileSchema>;

/** Used when no profiles file is given: extension 7000 reaches a helpful receptionist. */
export const DEFAULT_PROFILES: ProfilesFile = profilesFileSchema.parse({
  defaultProfile: 'receptionist',
  profiles: [
    {
      name: 'receptionist',
      systemPrompt:
        'You are the receptionist of a small company, answering the phone. Keep every answer to one or two short ' +
        'spoken sentences, no lists or markdown. If the caller asks for a person or department you can transfer ' +
        'them with transfer_call; when the caller says goodbye, say goodbye and call end_call.',
      greeting: 'Hello, thanks for calling. How can I help you today?',
      tools: ['end_call', 'transfer_call', 'send_dtmf'],
      routes: ['7000'],
    },
  ],
});
