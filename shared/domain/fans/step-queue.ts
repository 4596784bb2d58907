/**
 * The `fan-sync` queue as the sync's step queue: one message per step, its body the step as JSON
 * (`FanSyncMessage`; the worker validates it on receipt). Requests send the `start` step through it,
 * the workers every step after that, the daily resume the parked ones.
 */
import type { FanSyncMessage } from '#shared/domain/fans/model.ts';
import type { MessageSender, StepQueue } from '#shared/domain/fans/ports.ts';

export function stepQueue(sender: MessageSender): StepQueue {
  return { send: (messages: readonly FanSyncMessage[]) => sender.send(messages.map((message) => ({ body: JSON.stringify(message) }))) };
}
