// A render's state in words: "Gerando narração 12/40". Stage names are the pipeline's.
import { has, t } from "./i18n.js";

export const STAGES = ["parse", "rasterize", "speak", "plan", "render", "assemble", "publish",
  "package", "translate", "done"];

/** Words for a render's status and stage, in the current language. */
export function renderWords(render) {
  if (!render) return "";
  if (render.status === "queued") return t("status.queued");
  if (render.status === "succeeded") return t("status.succeeded");
  if (render.status === "cancelled") return t("status.cancelled");
  if (render.status === "failed") {
    if (!render.error) return t("status.failed");
    const code = `code.${render.error.code}`;
    return t("status.failed_because", { message: has(code) ? t(code) : render.error.message });
  }
  const step = render.step;
  const stage = (step && step.stage) || render.stage;
  const words = stage && has(`stage.${stage}`) ? t(`stage.${stage}`) : t("status.running");
  if (step && step.total > 0) return `${words} ${step.done}/${step.total}`;
  return words;
}

export function statusWords(status) {
  return t(`status.${status || "none"}`);
}
