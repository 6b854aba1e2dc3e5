/** TEST-ONLY: a SipGateway on loopback with RecordingCallMedia, and a way to find each call's media. */
import { systemClock, type Clock } from '../../../time/clock.js';
import {
  DEFAULT_PROFILES,
  profilesFileSchema,
  type ProfilesFile,
  type Registration,
} from '../../../config/profile-schema.js';
import { createLogger } from '../../../log.js';
import { Router } from '../../../routing/router.js';
import { SipGateway, type SipGatewayOptions } from '../gateway.js';
import { RecordingCallMedia } from './recording-call-media.js';

export interface Harness {
  gateway: SipGateway;
  media: RecordingCallMedia[];
  byCallId(callId: string): RecordingCallMedia | undefined;
}

/**
 * Tests run with loopback untrusted, as the gateway would on a public address. Peers that stand in for
 * a carrier or PBX on loopback are trusted explicitly, the way an operator would: as a trunk source.
 */
export const LOOPBACK_TRUNK = { name: 'loopback-test-peer', sources: ['127.0.0.1/32'] };

export function testProfiles(extra: Partial<ProfilesFile> = {}): ProfilesFile {
  return profilesFileSchema.parse({
    ...DEFAULT_PROFILES,
    profiles: [
      {
        ...DEFAULT_PROFILES.profiles[0]!,
        transferTargets: [{ name: 'sales', uri: 'sip:sales@127.0.0.1:15098', description: 'sales desk' }],
        routes: ['7000', '+15551230000'],
      },
    ],
    ...extra,
  });
}

export async function startGateway(
  o: {
    port: number;
    profiles?: ProfilesFile;
    trustLoopback?: boolean;
    registrations?: Registration[];
    clock?: Clock;
  } & Partial<SipGatewayOptions>,
): Promise<Harness> {
  const media: RecordingCallMedia[] = [];
  // Loopback is untrusted unless a test says otherwise (SWITCHBOARD_SIP_TRUST_LOOPBACK=false in production terms).
  const { profiles, trustLoopback, ...rest } = o;
  const gateway = new SipGateway({
    host: '127.0.0.1',
    transports: ['udp', 'tcp'],
    router: new Router(profiles ?? testProfiles(), { trustLoopback: trustLoopback ?? false }),
    registrations: [],
    clock: systemClock,
    log: createLogger(process.env.SIP_TEST_LOG ?? 'silent'),
    createMedia: (callId, events) => {
      const m = new RecordingCallMedia(callId, events);
      media.push(m);
      return m;
    },
    ...rest,
  });
  await gateway.start();
  return { gateway, media, byCallId: (id) => media.find((m) => m.callId === id) };
}
