/** A looping receptionist dialogue for the fakes, for running the agent by hand with no keys. */
import type { FakeProvidersScript } from './fake-providers.js';

export const RECEPTIONIST_SCRIPT: FakeProvidersScript = {
  deepgram: {
    loop: true,
    utterances: [
      "Hi, I'd like to book a table for tonight.",
      'Four people, around eight o clock.',
      'The name is Alex Morgan.',
      "No, that's everything. Thanks!",
    ],
  },
  openai: {
    loop: true,
    replies: [
      { text: 'Of course! How many people will be joining, and what time works best for you?' },
      { text: 'Eight o clock for four, lovely. May I have a name for the booking?' },
      { text: "Thank you, Alex. You're booked for four at eight tonight. Is there anything else?" },
      {
        text: 'You are welcome. Have a wonderful evening, goodbye!',
        toolCalls: [{ name: 'end_call', arguments: {} }],
      },
    ],
  },
  cartesia: {},
};
