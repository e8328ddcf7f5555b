// Chapters and captions for the player. Pure: no DOM (tested with node --test).

function stamp(seconds) {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const rest = ms % 1000;
  const two = (n) => String(n).padStart(2, "0");
  return `${two(h)}:${two(m)}:${two(s)}.${String(rest).padStart(3, "0")}`;
}

/**
 * The chapters of a render from its manifest: its own `chapters` when it has them, else one per
 * titled scene (consecutive scenes with the same title merge). [{title, start_s}], by start.
 */
export function chaptersOf(manifest) {
  if (!manifest) return [];
  if (Array.isArray(manifest.chapters) && manifest.chapters.length) {
    return manifest.chapters.map((c) => ({ title: c.title, start_s: c.start_s }));
  }
  const chapters = [];
  for (const scene of manifest.scenes || []) {
    const title = scene.title || "";
    if (title && (!chapters.length || chapters[chapters.length - 1].title !== title)) {
      chapters.push({ title, start_s: scene.start_s });
    }
  }
  return chapters;
}

/** A WebVTT chapters track: each chapter runs until the next one (the last until `duration`). */
export function chaptersVtt(chapters, duration) {
  const lines = ["WEBVTT", ""];
  chapters.forEach((chapter, i) => {
    const end = i + 1 < chapters.length ? chapters[i + 1].start_s : duration;
    if (!(end > chapter.start_s)) return;
    lines.push(String(i + 1), `${stamp(chapter.start_s)} --> ${stamp(end)}`,
      chapter.title.replace(/-->/g, "→").replace(/\n+/g, " "), "");
  });
  return lines.join("\n");
}

/** Caption tracks among a render's outputs: subtitles.vtt and subtitles.<lang>.vtt. */
export function captionTracks(outputs, defaultLanguage) {
  const tracks = [];
  for (const output of outputs || []) {
    const match = /^subtitles(?:\.([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*))?\.vtt$/.exec(output.name);
    if (match) {
      tracks.push({ url: output.url, language: output.language || match[1] || defaultLanguage, primary: !match[1] });
    }
  }
  return tracks.sort((a, b) => Number(b.primary) - Number(a.primary));
}

/** "m:ss" of a chapter start. */
export function clock(seconds) {
  const total = Math.floor(seconds);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}
