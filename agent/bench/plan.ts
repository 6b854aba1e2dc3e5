/** How much each mode does, and the loopback ports it uses (all inside 23000–26999). */
import type { ScriptOptions } from './call-script.js';

export const PORTS = {
  /** The agent's SIP (UDP) and HTTP. */
  agentSip: 25060,
  agentHttp: 25080,
  /** The agent's RTP range. */
  agentRtp: { min: 24000, max: 24999 },
  /** The benchmark caller's SIP socket and RTP range. */
  callerSip: 25064,
  callerRtp: { min: 26000, max: 26999 },
  floorSip: 25070,
  floorRtp: 25072,
  sippSip: 25090,
  sippMedia: 25092,
  /** Kamailio answering a static 200 (the call-setup reference). */
  kamailio: 25140,
  /** Fake providers (Deepgram, OpenAI, Cartesia). */
  fakes: { deepgram: 25100, openai: 25102, cartesia: 25104 },
  /** `--telephony drachtio`: the fake drachtio-server (SIP, admin) and fake FreeSWITCH (ESL, RTP). */
  drachtio: { sip: 25120, admin: 25122, esl: 25124, rtp: { min: 23000, max: 23999 } },
  /** Fork-path micro-benchmark (fork server HTTP/WebSocket). */
  forkHttp: 25110,
} as const;

/**
 * The gateway rate-limits INVITEs per source address (SWITCHBOARD_SIP_RATE_LIMIT, default 50/s with a
 * burst of 100) and the bench caller is one source, like a PBX: calls of a step start no faster than this.
 */
export const MAX_SETUP_RATE = 40;

export interface Plan {
  floorSteps: number[];
  densitySteps: number[];
  /** Turns per call in density and floor steps. */
  densityTurns: number;
  rampMs: number;
  turnCalls: number;
  turnsPerCall: number;
  bargeEvery: number;
  setupCalls: number;
  setupHoldMs: number;
  sippRates: number[];
  sippSeconds: number;
  sippCallMs: number;
  forkTurns: number;
  forkParallel: number;
  /** Wall-clock budget of the whole run; density (the last phase) stops stepping to stay inside it. */
  budgetS: number;
  agentScript: Partial<ScriptOptions>;
}

const agentScript: Partial<ScriptOptions> = {
  quietMs: 500,
  bargeAfterMs: 300,
  replyTimeoutMs: 6000,
  maxReplyMs: 20_000,
  thinkMs: 100,
};

export const PLANS: Record<'quick' | 'full', Plan> = {
  quick: {
    floorSteps: [10, 50],
    densitySteps: [10, 25, 50],
    densityTurns: 1,
    rampMs: 2000,
    turnCalls: 2,
    turnsPerCall: 5,
    bargeEvery: 2,
    setupCalls: 20,
    setupHoldMs: 200,
    sippRates: [10, 20, 40, 80, 160, 320],
    sippSeconds: 3,
    sippCallMs: 1000,
    forkTurns: 10,
    forkParallel: 1,
    budgetS: 170,
    agentScript,
  },
  full: {
    floorSteps: [10, 25, 50, 100, 200],
    densitySteps: [10, 25, 50, 100, 150, 200, 300, 400],
    densityTurns: 3,
    rampMs: 4000,
    turnCalls: 5,
    turnsPerCall: 20,
    bargeEvery: 5,
    setupCalls: 50,
    setupHoldMs: 200,
    sippRates: [10, 20, 40, 60, 80, 120, 160, 240, 320, 480],
    sippSeconds: 5,
    sippCallMs: 1000,
    forkTurns: 100,
    forkParallel: 2,
    budgetS: 1140,
    agentScript,
  },
};
