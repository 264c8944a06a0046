import type { StageProcessors } from "../runtime";

/** The pipeline's stage processors by queue; each stage lives in its own file in this folder. */
export function stageProcessors(): StageProcessors {
  return {};
}
