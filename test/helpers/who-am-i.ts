// An engine for auth tests: it answers with who called it (ctx.caller, set by the app's guard)
// and remembers every caller it saw.
import type { Claims } from "ark-sdk/auth";
import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";

export class WhoAmIEngine extends BaseExecutor {
  readonly callers: (Claims | undefined)[] = [];

  constructor() {
    super("WhoAmI");
  }

  async executeAgent(_request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    this.callers.push(ctx.caller);
    return [{ role: "assistant", content: `hello ${String(ctx.caller?.sub)}` }];
  }
}
