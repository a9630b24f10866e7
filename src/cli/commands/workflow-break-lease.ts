import type { CommandModule } from 'yargs';
import { confirm, withContext, type GlobalArgs } from '../context.js';

interface BreakLeaseArgs extends GlobalArgs {
  yes?: boolean;
}

/** `jobq workflow break-lease`: free the coordinator lease of a prefix (after a crash, or to take over). */
export const breakLeaseCommand: CommandModule = {
  command: 'break-lease',
  describe: "Break the coordinator's lease on this prefix so another coordinator can start at once",
  builder: (y) =>
    y.option('yes', { alias: 'y', type: 'boolean', default: false, describe: 'Do not ask for confirmation' }),
  handler: async (raw) => {
    const a = raw as unknown as BreakLeaseArgs;
    await withContext(a, {}, async (ctx) => {
      const st = await ctx.backend.lease.status();
      const holder = st.holder?.coordinatorId
        ? ` (held by ${st.holder.coordinatorId}${st.holder.host ? ` on ${st.holder.host}` : ''})`
        : '';
      if (
        !a.yes &&
        !(await confirm(
          `Break the coordinator lease of ${ctx.label}${holder}? A running coordinator will stop acting as leader.`,
        ))
      ) {
        ctx.term.note('Aborted (pass --yes to skip the question).');
        process.exitCode = 1;
        return;
      }
      await ctx.client.breakLease();
      ctx.term.print(`Lease broken for ${ctx.label}.`);
    });
  },
};
