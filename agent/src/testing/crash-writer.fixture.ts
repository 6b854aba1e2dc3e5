/**
 * Test fixture (not production code): writes a call and two turns through CallStore, prints "written",
 * then waits to be killed with SIGKILL by call-store.test.ts. Usage: node --import tsx crash-writer.fixture.ts <db>
 */
import { CallStore } from '../store/call-store.js';

const path = process.argv[2];
if (!path) throw new Error('usage: crash-writer.fixture.ts <db path>');
const store = CallStore.open(path);
const startedAt = new Date('2025-01-02T03:04:05.000Z');
store.callStarted({
  callId: 'crash-1',
  from: '+15550001',
  to: '1000',
  profile: 'default',
  source: 'test',
  startedAt,
});
for (const index of [0, 1]) {
  store.turnCompleted({
    callId: 'crash-1',
    index,
    userText: `user ${index}`,
    agentText: `agent ${index}`,
    interrupted: false,
    toolCalls: [],
    timings: { voiceToVoiceMs: 500 + index },
    startedAt,
    endedAt: startedAt,
  });
}
process.stdout.write('written\n');
setInterval(() => {}, 1000);
