// The GPU stages' hold on their subject's work folder (worker/work-folders.ts): held while the stage
// runs, so that the sweeper and a shop purge leave it alone, and removed once the request needs it no
// more — after its last GPU stage, or when it ends early (cancelled, the merchant's to fix, no try
// left). A stage that will be tried again keeps the folder: its retry resumes from the checkpoint.
import type { WorkFolders } from "../work-folders";
import { endsRequest, type StageDefinition } from "./runner";

export function withWorkFolder<Output>(
  stage: StageDefinition<Output>,
  folders: WorkFolders,
  { lastToUseIt }: { lastToUseIt: boolean },
): StageDefinition<Output> {
  return {
    name: stage.name,
    async run(ctx) {
      const { subjectId } = await ctx.db.generation.findUniqueOrThrow({
        where: { id: ctx.generationId },
        select: { subjectId: true },
      });
      const release = await folders.use(ctx.shop, subjectId);
      let done = false;
      try {
        const output = await stage.run(ctx);
        done = lastToUseIt;
        return output;
      } catch (error) {
        done = endsRequest(error, ctx.job);
        throw error;
      } finally {
        release();
        if (done)
          await folders
            .removeSubject(ctx.shop, subjectId)
            .catch((error: Error) => ctx.log(`work folder not removed (the sweeper will): ${error.message}`));
      }
    },
  };
}
