/**
 * What an outbound call does about who answered, per the profile's answerDetection policy: a person
 * (or nobody the classifier could place) gets the normal conversation; a voicemail gets the profile's
 * message after the beep, or a hang-up; an IVR menu is navigated by the LLM with DTMF toward the goal,
 * or hung up on; a call-screening assistant is told who is calling and why, or hung up on. The
 * conversation's profile gets a system note saying what it is talking to.
 */
import type { AgentProfile, AnswerDetectionPolicy } from '../config/profile-schema.js';
import type { AnswerKind } from './answer-types.js';

export type AnswerAction = 'converse' | 'leave_message' | 'hang_up' | 'navigate' | 'announce';

export function actionFor(kind: AnswerKind, policy: AnswerDetectionPolicy): AnswerAction {
  switch (kind) {
    case 'voicemail':
      return policy.voicemail.action;
    case 'ivr':
      return policy.ivr.action;
    case 'screening':
      return policy.screening.action;
    default:
      return 'converse';
  }
}

/** The profile the conversation runs with after the decision (navigate / announce add a system note). */
export function profileForAction(profile: AgentProfile, action: AnswerAction): AgentProfile {
  const policy = profile.answerDetection;
  if (action === 'navigate') {
    const tools = profile.tools.includes('send_dtmf')
      ? profile.tools
      : [...profile.tools, 'send_dtmf' as const];
    return {
      ...profile,
      tools,
      systemPrompt:
        `${profile.systemPrompt}\n\nSystem note: this outbound call was answered by an automated phone menu (IVR), ` +
        `not a person. Your goal: ${policy.ivr.goal}. Listen to the options and choose with send_dtmf; ` +
        'say nothing to the menu unless it asks you to speak. When a person answers, talk to them normally.',
    };
  }
  if (action === 'announce') {
    const what = policy.screening.announcement
      ? `Say exactly: "${policy.screening.announcement}"`
      : 'State briefly who you are and why you are calling';
    return {
      ...profile,
      systemPrompt:
        `${profile.systemPrompt}\n\nSystem note: this outbound call was answered by a call-screening assistant, ` +
        `not the person. ${what}, then wait for the person to pick up and talk to them normally.`,
    };
  }
  return profile;
}
