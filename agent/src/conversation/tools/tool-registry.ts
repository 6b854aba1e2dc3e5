/** The tools a profile switches on, by name, with their specs for the LLM. */
import type { AgentProfile } from '../../config/profile-schema.js';
import type { ToolSpec } from '../../providers/types.js';
import { endCallTool, sendDtmfTool, transferCallTool } from './builtin-tools.js';
import type { Tool } from './tool-types.js';
import { webhookTool } from './webhook-tool.js';

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(profile: AgentProfile) {
    for (const t of profile.tools) {
      const tool =
        t === 'end_call'
          ? endCallTool
          : t === 'send_dtmf'
            ? sendDtmfTool
            : t === 'transfer_call'
              ? transferCallTool(profile.transferTargets)
              : webhookTool(t);
      this.tools.set(tool.spec.name, tool);
    }
  }

  specs(): ToolSpec[] {
    return [...this.tools.values()].map((t) => t.spec);
  }

  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }
}
