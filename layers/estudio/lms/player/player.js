/* Estúdio course player: the video, its captions and chapters, an optional knowledge check, and
 * the SCORM 1.2 / 2004 conversation with the LMS. No dependencies, no network: it runs from the
 * package's own files, inside an LMS frame or opened straight from disk (then it just plays).
 *
 * Completion counts only what was actually played (the media element's played ranges, merged
 * with earlier sessions' from suspend_data): seeking ahead watches nothing.
 */
(function () {
  "use strict";

  var course = window.ESTUDIO_COURSE;
  var LABELS = {
    pt: {
      chapters: "Capítulos",
      scene: "Cena",
      captionsOn: "Legendas: ligadas",
      captionsOff: "Legendas: desligadas",
      watched: "Assistido: {p}% (conclusão com {t}%)",
      completed: "Vídeo concluído.",
      resumed: "Continuando de onde você parou ({t}).",
      noLms: "Sem LMS: o vídeo funciona, mas o progresso não é registrado.",
      quiz: "Verificação de aprendizagem",
      locked: "Assista a {t}% do vídeo para liberar as perguntas.",
      submit: "Enviar respostas",
      answerAll: "Responda todas as perguntas antes de enviar.",
      result: "Você acertou {r} de {n} ({s}%).",
      passed: "Aprovado.",
      failed: "Não aprovado: é preciso {p}%.",
      retry: "Tentar novamente",
      right: "certa",
      wrong: "errada"
    },
    en: {
      chapters: "Chapters",
      scene: "Scene",
      captionsOn: "Captions: on",
      captionsOff: "Captions: off",
      watched: "Watched: {p}% (complete at {t}%)",
      completed: "Video completed.",
      resumed: "Resuming where you left off ({t}).",
      noLms: "No LMS: the video plays, but progress is not recorded.",
      quiz: "Knowledge check",
      locked: "Watch {t}% of the video to unlock the questions.",
      submit: "Submit answers",
      answerAll: "Answer every question before submitting.",
      result: "You got {r} of {n} right ({s}%).",
      passed: "Passed.",
      failed: "Not passed: {p}% is needed.",
      retry: "Try again",
      right: "right",
      wrong: "wrong"
    }
  };
  var L = LABELS[course.labels] || LABELS.pt;
  var COMMIT_EVERY_MS = (course.commit_every_s || 30) * 1000;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }
  function $(id) { return document.getElementById(id); }
  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds));
    var m = Math.floor(s / 60);
    var h = Math.floor(m / 60);
    var mm = String(m % 60).padStart(h ? 2 : 1, "0") + ":" + String(s % 60).padStart(2, "0");
    return h ? h + ":" + mm : mm;
  }

  var sha256 = window.EstudioSha256; // sha256.js, loaded first

  // --- the LMS: API discovery as SCORM describes it, then one small adapter per version ---------
  function findIn(win, name) {
    for (var tries = 0; win && tries < 500; tries++) {
      try {
        if (win[name]) { return win[name]; }
      } catch (error) {
        return null; // a frame of another origin: stop here
      }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }
  function findApi(name) {
    var api = findIn(window, name);
    try {
      if (!api && window.opener) { api = findIn(window.opener, name); }
      if (!api && window.top && window.top.opener) { api = findIn(window.top.opener, name); }
    } catch (error) { /* an opener of another origin */ }
    return api;
  }

  function Lms(version) {
    var is2004 = version === "scorm2004";
    var api = version ? findApi(is2004 ? "API_1484_11" : "API") : null;
    var live = false;
    var names = is2004
      ? { init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit", finish: "Terminate",
          location: "cmi.location", entry: "cmi.entry", exit: "cmi.exit", session: "cmi.session_time" }
      : { init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
          finish: "LMSFinish", location: "cmi.core.lesson_location", entry: "cmi.core.entry",
          exit: "cmi.core.exit", session: "cmi.core.session_time" };
    function call(method, a, b) {
      try { return String(api[method](a, b)); } catch (error) { return ""; }
    }
    return {
      is2004: is2004,
      names: names,
      start: function () {
        live = !!api && call(names.init, "") === "true";
        return live;
      },
      get: function (key) { return live ? call(names.get, key) : ""; },
      set: function (key, value) { if (live) { call(names.set, key, String(value)); } },
      commit: function () { if (live) { call(names.commit, ""); } },
      finish: function () {
        if (live) { live = false; call(names.finish, ""); }
      },
      get live() { return live; }
    };
  }

  function sessionTime(seconds) {
    var s = Math.max(0, seconds);
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var rest = s - h * 3600 - m * 60;
    if (course.scorm === "scorm2004") {
      return "PT" + h + "H" + m + "M" + rest.toFixed(2) + "S";
    }
    var whole = Math.floor(rest);
    var cents = Math.min(99, Math.round((rest - whole) * 100));
    return String(h).padStart(4, "0") + ":" + String(m).padStart(2, "0") + ":" +
      String(whole).padStart(2, "0") + "." + String(cents).padStart(2, "0");
  }

  // --- watched intervals ----------------------------------------------------------------------
  function merge(ranges) {
    var sorted = ranges.filter(function (r) { return r[1] > r[0]; })
      .sort(function (x, y) { return x[0] - y[0]; });
    var out = [];
    sorted.forEach(function (r) {
      var last = out[out.length - 1];
      if (last && r[0] <= last[1] + 0.25) { last[1] = Math.max(last[1], r[1]); }
      else { out.push([r[0], r[1]]); }
    });
    return out;
  }

  // --- the page ---------------------------------------------------------------------------------
  var video = $("video");
  var lms = Lms(course.scorm);
  var state = { saved: [], completed: false, passed: null, score: null, attempts: 0 };
  var startedAt = Date.now();
  var lastLocation = -1;
  var finished = false;
  var captions = null;

  function watchedRanges() {
    var ranges = state.saved.slice();
    for (var i = 0; i < video.played.length; i++) {
      ranges.push([video.played.start(i), video.played.end(i)]);
    }
    return merge(ranges);
  }
  function watchedShare() {
    var duration = video.duration || course.duration_s;
    if (!duration || !isFinite(duration)) { return 0; }
    var seconds = watchedRanges().reduce(function (sum, r) { return sum + r[1] - r[0]; }, 0);
    return Math.min(1, seconds / duration);
  }
  function suspendData() {
    var data = {
      w: watchedRanges().map(function (r) { return [Math.round(r[0] * 10) / 10, Math.round(r[1] * 10) / 10]; }),
      c: state.completed ? 1 : 0,
      a: state.attempts
    };
    if (state.passed !== null) { data.p = state.passed ? 1 : 0; data.s = state.score; }
    var text = JSON.stringify(data);
    while (text.length > 4000 && data.w.length > 1) { // SCORM 1.2 caps suspend_data at 4096
      data.w[1][0] = data.w[0][0]; data.w.shift();
      text = JSON.stringify(data);
    }
    return text;
  }
  function restore() {
    try {
      var data = JSON.parse(lms.get("cmi.suspend_data") || "{}");
      state.saved = Array.isArray(data.w) ? data.w.filter(function (r) {
        return Array.isArray(r) && r.length === 2 && isFinite(r[0]) && isFinite(r[1]);
      }) : [];
      state.completed = data.c === 1;
      state.attempts = data.a || 0;
      if (data.p === 0 || data.p === 1) { state.passed = data.p === 1; state.score = data.s; }
    } catch (error) { state.saved = []; }
  }

  function saveProgress() {
    if (!lms.live) { return; }
    var here = Math.round(video.currentTime * 10) / 10;
    if (here !== lastLocation) { lms.set(lms.names.location, here.toFixed(1)); lastLocation = here; }
    lms.set("cmi.suspend_data", suspendData());
    if (lms.is2004) { lms.set("cmi.progress_measure", watchedShare().toFixed(3)); }
    lms.set(lms.names.session, sessionTime((Date.now() - startedAt) / 1000));
  }
  function commit() {
    if (!lms.live) { return; }
    saveProgress();
    lms.commit();
  }

  function done() { return state.completed && (!course.quiz || state.passed === true); }

  function finish() {
    if (finished) { return; }
    finished = true;
    if (!lms.live) { return; }
    saveProgress();
    if (lms.is2004) { lms.set(lms.names.exit, done() ? "normal" : "suspend"); }
    else { lms.set(lms.names.exit, done() ? "" : "suspend"); }
    lms.commit();
    lms.finish();
  }

  function markCompleted() {
    state.completed = true;
    $("status").textContent = L.completed;
    if (lms.is2004) { lms.set("cmi.completion_status", "completed"); }
    else if (state.passed === null) { lms.set("cmi.core.lesson_status", "completed"); }
    commit();
    showQuiz();
  }

  function onProgress() {
    var share = watchedShare();
    $("watched").textContent = fill(L.watched, {
      p: Math.floor(share * 100), t: course.completion_percent
    });
    if (!state.completed && share * 100 >= course.completion_percent - 1e-9) { markCompleted(); }
    highlightChapter();
    saveProgress();
  }

  // --- chapters ---------------------------------------------------------------------------------
  var chapterButtons = [];
  function buildChapters() {
    $("chapters-title").textContent = L.chapters;
    course.chapters.forEach(function (chapter, index) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      var time = document.createElement("span");
      time.className = "time";
      time.textContent = clock(chapter.start_s);
      var title = document.createElement("span");
      title.textContent = chapter.title || L.scene + " " + (index + 1);
      button.appendChild(time);
      button.appendChild(title);
      button.addEventListener("click", function () {
        video.currentTime = chapter.start_s;
        video.play().catch(function () {});
      });
      item.appendChild(button);
      $("chapters").appendChild(item);
      chapterButtons.push(button);
    });
  }
  function highlightChapter() {
    var now = video.currentTime;
    var current = 0;
    course.chapters.forEach(function (chapter, index) { if (chapter.start_s <= now + 0.05) { current = index; } });
    chapterButtons.forEach(function (button, index) {
      if (index === current) { button.setAttribute("aria-current", "true"); }
      else { button.removeAttribute("aria-current"); }
    });
  }

  // --- captions: the <track>, or the same cues from course.js where the file cannot load --------
  function parseVtt(text) {
    function seconds(stamp) {
      var parts = stamp.trim().split(":").map(parseFloat);
      return parts.reduce(function (sum, part) { return sum * 60 + part; }, 0);
    }
    var cues = [];
    text.replace(/\r/g, "").split(/\n\n+/).forEach(function (block) {
      var lines = block.split("\n");
      var at = lines.findIndex(function (line) { return line.indexOf("-->") >= 0; });
      if (at < 0) { return; }
      var times = lines[at].split("-->");
      cues.push([seconds(times[0]), seconds(times[1].trim().split(/\s+/)[0]), lines.slice(at + 1).join("\n")]);
    });
    return cues;
  }
  function fallbackCaptions() {
    if (captions && captions.fallback) { return; }
    var track = video.addTextTrack("captions", course.captions_label, course.language);
    parseVtt(course.captions_vtt || "").forEach(function (cue) {
      track.addCue(new VTTCue(cue[0], cue[1], cue[2]));
    });
    var wasOn = !captions || captions.track.mode === "showing";
    if (captions) { captions.track.mode = "disabled"; }
    captions = { track: track, fallback: true };
    track.mode = wasOn ? "showing" : "hidden";
  }
  function setupCaptions() {
    var element = $("captions");
    captions = { track: element.track, fallback: false };
    element.track.mode = "showing";
    element.addEventListener("error", fallbackCaptions);
    if (element.readyState === 3) { fallbackCaptions(); }
    var toggle = $("toggle-captions");
    function label() {
      var on = captions.track.mode === "showing";
      toggle.textContent = on ? L.captionsOn : L.captionsOff;
      toggle.setAttribute("aria-pressed", on ? "true" : "false");
    }
    toggle.addEventListener("click", function () {
      captions.track.mode = captions.track.mode === "showing" ? "hidden" : "showing";
      label();
    });
    video.textTracks.addEventListener("change", label);
    label();
  }

  // --- the knowledge check ---------------------------------------------------------------------
  function showQuiz() {
    if (!course.quiz) { return; }
    var section = $("quiz");
    section.hidden = false;
    $("quiz-title").textContent = L.quiz;
    if (!state.completed) {
      $("quiz-locked").textContent = fill(L.locked, { t: course.completion_percent });
      $("quiz-locked").hidden = false;
      $("quiz-form").hidden = true;
      return;
    }
    $("quiz-locked").hidden = true;
    if (state.passed === true) { showResult(state.score, null); return; }
    $("quiz-form").hidden = false;
  }
  function buildQuiz() {
    if (!course.quiz) { return; }
    $("quiz-submit").textContent = L.submit;
    $("quiz-retry").textContent = L.retry;
    course.quiz.questions.forEach(function (question, q) {
      var fieldset = document.createElement("fieldset");
      var legend = document.createElement("legend");
      legend.textContent = (q + 1) + ". " + question.text;
      fieldset.appendChild(legend);
      question.choices.forEach(function (choice, c) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "radio";
        input.name = "q" + q;
        input.value = String(c);
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + choice));
        fieldset.appendChild(label);
      });
      var mark = document.createElement("span");
      mark.className = "mark";
      mark.setAttribute("aria-live", "polite");
      fieldset.appendChild(mark);
      $("questions").appendChild(fieldset);
    });
    $("quiz-form").addEventListener("submit", function (event) {
      event.preventDefault();
      grade();
    });
    $("quiz-retry").addEventListener("click", function () {
      $("quiz-form").reset();
      Array.prototype.forEach.call(document.querySelectorAll(".quiz .mark"), function (mark) {
        mark.textContent = ""; mark.className = "mark";
      });
      $("quiz-result").hidden = true;
      $("quiz-retry").hidden = true;
      $("quiz-form").hidden = false;
      var first = document.querySelector("#questions input");
      if (first) { first.focus(); }
    });
  }
  function grade() {
    var questions = course.quiz.questions;
    var chosen = questions.map(function (_, q) {
      var picked = document.querySelector('input[name="q' + q + '"]:checked');
      return picked ? parseInt(picked.value, 10) : -1;
    });
    if (chosen.indexOf(-1) >= 0) {
      $("status").textContent = L.answerAll;
      return;
    }
    var right = 0;
    var marks = document.querySelectorAll(".quiz .mark");
    questions.forEach(function (question, q) {
      var c = chosen[q];
      var ok = sha256(course.quiz.salt + "\n" + q + "\n" + c + "\n" + question.choices[c]) === question.check;
      if (ok) { right++; }
      marks[q].textContent = ok ? "✓ " + L.right : "✗ " + L.wrong;
      marks[q].className = "mark " + (ok ? "right" : "wrong");
    });
    var n = questions.length;
    var score = Math.floor((200 * right + n) / (2 * n));
    state.attempts++;
    state.score = score;
    state.passed = score >= course.quiz.pass_percent;
    journal(chosen, Array.prototype.map.call(marks, function (mark) {
      return mark.className.indexOf("right") >= 0;
    }));
    report(score, state.passed);
    showResult(score, right);
  }
  function journal(chosen, right) {
    // One interaction per question and attempt, appended (SCORM's journaling of interactions).
    var first = parseInt(lms.get("cmi.interactions._count"), 10) || 0;
    course.quiz.questions.forEach(function (question, q) {
      var at = "cmi.interactions." + (first + q) + ".";
      lms.set(at + "id", "q" + (q + 1));
      lms.set(at + "type", "choice");
      if (lms.is2004) {
        lms.set(at + "description", question.text.slice(0, 250));
        lms.set(at + "learner_response", "choice_" + (chosen[q] + 1));
        lms.set(at + "result", right[q] ? "correct" : "incorrect");
      } else {
        lms.set(at + "student_response", "abcdefghij".charAt(chosen[q]));
        lms.set(at + "result", right[q] ? "correct" : "wrong");
      }
    });
  }
  function report(score, passed) {
    if (lms.is2004) {
      lms.set("cmi.score.min", "0");
      lms.set("cmi.score.max", "100");
      lms.set("cmi.score.raw", String(score));
      lms.set("cmi.score.scaled", String(score / 100));
      lms.set("cmi.success_status", passed ? "passed" : "failed");
    } else {
      lms.set("cmi.core.score.min", "0");
      lms.set("cmi.core.score.max", "100");
      lms.set("cmi.core.score.raw", String(score));
      lms.set("cmi.core.lesson_status", passed ? "passed" : "failed");
    }
    commit();
  }
  function showResult(score, right) {
    var result = $("quiz-result");
    var n = course.quiz.questions.length;
    var text = right === null ? score + "%. " : fill(L.result, { r: right, n: n, s: score }) + " ";
    var passed = score >= course.quiz.pass_percent;
    text += passed ? L.passed : fill(L.failed, { p: course.quiz.pass_percent });
    result.textContent = text;
    result.className = "result " + (passed ? "passed" : "failed");
    result.hidden = false;
    $("quiz-form").hidden = passed;
    $("quiz-retry").hidden = passed;
    if (passed) {
      Array.prototype.forEach.call(document.querySelectorAll("#questions input"), function (input) {
        input.disabled = true;
      });
    }
    result.focus();
  }

  // --- start ------------------------------------------------------------------------------------
  function start() {
    buildChapters();
    setupCaptions();
    buildQuiz();
    if (lms.start()) {
      restore();
      if (lms.is2004) {
        var completion = lms.get("cmi.completion_status");
        if (completion === "completed") { state.completed = true; }
        else { lms.set("cmi.completion_status", "incomplete"); }
      } else {
        var status = lms.get("cmi.core.lesson_status");
        if (status === "completed" || status === "passed") { state.completed = true; }
        if (status === "not attempted" || status === "") { lms.set("cmi.core.lesson_status", "incomplete"); }
      }
      var location = parseFloat(lms.get(lms.names.location));
      if (location > 0) {
        var seek = function () {
          if (location < (video.duration || Infinity) - 1) {
            video.currentTime = location;
            $("status").textContent = fill(L.resumed, { t: clock(location) });
          }
        };
        if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, { once: true }); }
      }
      lms.commit();
      window.setInterval(commit, COMMIT_EVERY_MS);
    } else if (course.scorm) {
      $("status").textContent = L.noLms;
    }
    if (state.completed || course.quiz) { showQuiz(); }
    onProgress();
    video.addEventListener("timeupdate", onProgress);
    video.addEventListener("pause", commit);
    video.addEventListener("ended", function () { onProgress(); commit(); showQuiz(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { commit(); }
    });
    window.addEventListener("pagehide", finish);
    window.addEventListener("beforeunload", finish);
  }

  window.EstudioPlayer = { state: state, watchedShare: watchedShare, finish: finish };
  start();
})();
