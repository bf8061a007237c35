// Comfort on top of the server-rendered pages: times in the visitor's zone, starred talks and
// "My schedule", what is on now while the event is live, and the pages kept for use offline (the service
// worker, templates/webapp/service-worker.js). Every page works without this file.
(function () {
  "use strict";

  var PREFIX = "portal:";

  // Words in the page's language, from Django's JavaScript catalogue (/jsi18n, loaded before this file);
  // English as written here where the catalogue did not load.
  var gettext = window.gettext || function (text) { return text; };
  var ngettext = window.ngettext || function (one, many, count) { return count === 1 ? one : many; };
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) { return String(values[name]); });
  }
  // Dates and times written as the page's language writes them; English ones in the pages' own style.
  var pageLanguage = document.documentElement.lang || "en";
  var dateLanguage = pageLanguage === "en" ? "en-GB" : pageLanguage;

  function load(key, fallback) {
    try {
      var value = window.localStorage.getItem(PREFIX + key);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback; // storage blocked or damaged: behave as on a first visit
    }
  }

  function save(key, value) {
    try {
      window.localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch (error) {
      // Private mode or a full quota: the page keeps working, the choice is just not remembered.
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  // ----- Times in the visitor's own zone -------------------------------------------------------

  var visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Dates in the pages' own style ("Mon 16 May"); the zone's abbreviation as the visitor's browser names it.
  var dayFormat = new Intl.DateTimeFormat(dateLanguage, { weekday: "short", day: "numeric", month: "short" });
  var timeFormat = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var zoneFormat = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });

  function zoneName(date) {
    var part = zoneFormat.formatToParts(date).find(function (p) { return p.type === "timeZoneName"; });
    return part ? part.value : visitorZone;
  }

  function localTime(starts, ends) {
    var text = dayFormat.format(starts).replace(",", "") + ", " + timeFormat.format(starts);
    if (ends) text += "–" + timeFormat.format(ends);
    var line = el("span", "local-time", text + " " + zoneName(starts) + " ");
    // On a narrow screen the line breaks before "(your time)" rather than inside it.
    line.appendChild(el("span", "local-time-note", gettext("(your time)")));
    return line;
  }

  // Every `.when[data-starts]` (with `data-ends` for a range) gets the visitor's time on a line of its own,
  // at the end of the nearest element marked `data-local-time-host` (or the talk time, dd or li around it).
  function showLocalTimes(on) {
    document.querySelectorAll(".when[data-starts]").forEach(function (when) {
      var host = when.closest("[data-local-time-host], .talk-time, dd, li") || when;
      var existing = host.querySelector(".local-time");
      if (existing) existing.remove();
      if (on) {
        var ends = when.dataset.ends ? new Date(when.dataset.ends) : null;
        host.appendChild(localTime(new Date(when.dataset.starts), ends));
      }
    });
  }

  function setUpLocalTimeSwitch() {
    var button = document.querySelector("[data-local-time-toggle]");
    var on = load("local-time", false) === true;
    if (button) {
      button.closest(".js-tools").hidden = false;
      button.setAttribute("aria-pressed", String(on));
      button.textContent = interpolate(gettext("Also show times in my time zone (%(zone)s)"), { zone: visitorZone });
      button.addEventListener("click", function () {
        on = !on;
        save("local-time", on);
        button.setAttribute("aria-pressed", String(on));
        showLocalTimes(on);
      });
    }
    // One choice for every page: made on the schedule or office hours, it carries over to talks, booth and signups.
    if (on) showLocalTimes(true);
  }

  // ----- Stars and "My schedule" ---------------------------------------------------------------

  function starsKey(event) { return "stars:" + event; }

  // What a star remembers of its talk: also what the visitor last saw of it, to tell them when it changed.
  function starInfo(node) {
    return {
      title: node.dataset.title,
      url: node.dataset.url,
      when: node.dataset.when,
      starts: node.dataset.starts,
      ends: node.dataset.ends,
      room: node.dataset.room || "",
      cancelled: node.hasAttribute("data-cancelled")
    };
  }

  // What changed in a starred talk since the visitor last looked, in words; [] when nothing did. Stars saved
  // before rooms were remembered have no `room`: those are not compared.
  function changesSince(seen, node) {
    var now = starInfo(node);
    var changes = [];
    if (seen.starts !== now.starts || seen.ends !== now.ends) {
      changes.push(interpolate(gettext("moved from %(old)s to %(new)s"), { old: seen.when, new: now.when }));
    }
    if (seen.room !== undefined && seen.room !== now.room) {
      var unknown = gettext("not announced");
      changes.push(interpolate(gettext("room %(old)s → %(new)s"), { old: seen.room || unknown, new: now.room || unknown }));
    }
    if (seen.title !== now.title) changes.push(interpolate(gettext("renamed from “%(title)s”"), { title: seen.title }));
    if (seen.cancelled !== undefined && seen.cancelled !== now.cancelled) {
      changes.push(now.cancelled ? gettext("cancelled") : gettext("back in the programme"));
    }
    return changes;
  }

  function starButton(node, stars, onChange, wide) {
    var slug = node.dataset.talk;
    var button = el("button", wide ? "button star-wide" : "star");
    button.type = "button";
    function paint() {
      var starred = Object.prototype.hasOwnProperty.call(stars(), slug);
      button.setAttribute("aria-pressed", String(starred));
      if (wide) {
        button.textContent = starred ? gettext("★ Starred") : gettext("☆ Star this talk");
      } else {
        button.textContent = starred ? "★" : "☆";
        var label = starred ? gettext("Starred: %(title)s") : gettext("Star: %(title)s");
        button.setAttribute("aria-label", interpolate(label, { title: node.dataset.title }));
      }
    }
    button.addEventListener("click", function () {
      onChange(slug, node);
      paint();
    });
    paint();
    return button;
  }

  function starredSlugs(stars) {
    return Object.keys(stars).sort(function (a, b) { return new Date(stars[a].starts) - new Date(stars[b].starts); });
  }

  // My schedule's address with the starred talks in it: the page lists them, and is kept for offline use so.
  function myScheduleUrl(base, stars) {
    var slugs = starredSlugs(stars);
    return slugs.length ? base + "?talks=" + slugs.map(encodeURIComponent).join(",") : base;
  }

  // The way to "My schedule" names how many talks are starred and carries them, so the page lists them.
  function paintMyScheduleLinks(stars) {
    var slugs = starredSlugs(stars);
    document.querySelectorAll("a.my-schedule-link").forEach(function (link) {
      link.href = myScheduleUrl(link.getAttribute("href").split("?")[0], stars);
      link.textContent = slugs.length
        ? interpolate(gettext("★ My schedule (%(count)s)"), { count: slugs.length })
        : gettext("★ My schedule");
    });
  }

  // On "My schedule": each starred talk says what changed since the visitor last looked, until "Got it".
  function markChanges(container, stars, onSeen) {
    container.querySelectorAll(".my-schedule-change").forEach(function (note) { note.remove(); });
    container.querySelectorAll(".talk[data-talk]").forEach(function (node) {
      var seen = stars[node.dataset.talk];
      var changes = seen ? changesSince(seen, node) : [];
      if (!changes.length) return;
      var note = el("p", "my-schedule-change");
      note.appendChild(el("strong", "", gettext("Changed since you last looked:") + " "));
      note.appendChild(document.createTextNode(changes.join("; ") + ". "));
      var button = el("button", "link-button", gettext("Got it"));
      button.type = "button";
      button.addEventListener("click", function () { onSeen(node.dataset.talk, node); });
      note.appendChild(button);
      node.appendChild(note);
    });
  }

  function setUpStars() {
    var container = document.querySelector(
      ".schedule[data-event], .talk-detail[data-event], .my-schedule-page[data-event]"
    );
    if (!container) return;
    var key = starsKey(container.dataset.event);
    function stars() { return load(key, {}); }
    function toggle(slug, node) {
      var current = stars();
      if (current[slug]) delete current[slug];
      else current[slug] = starInfo(node);
      save(key, current);
      paintMyScheduleLinks(current);
      keepForOffline();
    }
    paintMyScheduleLinks(stars());
    if (container.classList.contains("talk-detail")) {
      var item = el("li");
      item.appendChild(starButton(container, stars, toggle, true));
      var actions = container.querySelector(".actions");
      if (actions) actions.prepend(item);
      return;
    }
    if ("mySchedulePage" in container.dataset) {
      var slugs = starredSlugs(stars());
      // Without a list in the address, the page shows this browser's stars.
      if (!("chosen" in container.dataset) && slugs.length && !/[?&]talks=/.test(window.location.search)) {
        window.location.replace("?talks=" + slugs.map(encodeURIComponent).join(","));
        return;
      }
      var seen = function (slug, node) {
        // The visitor has read what changed: remember the talk as it is now.
        var current = stars();
        current[slug] = starInfo(node);
        save(key, current);
        markChanges(container, current, seen);
      };
      markChanges(container, stars(), seen);
    }
    container.querySelectorAll("li.talk[data-talk]").forEach(function (node) {
      node.appendChild(starButton(node, stars, toggle, false));
    });
  }

  // ----- Search as you type --------------------------------------------------------------------

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // The talks on the page narrow down while the visitor types; Enter searches every day on the server.
  function setUpSearchAsYouType() {
    var input = document.querySelector("[data-search-as-you-type]");
    var container = document.querySelector(".schedule[data-event]");
    if (!input || !container) return;
    var hint = input.form.querySelector("[data-search-hint]");
    var talks = Array.prototype.slice.call(container.querySelectorAll(".talk[data-talk]"));
    function wordsOf(text) { return fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean); }
    // As the server's search: each typed word must begin a word of the talk's title, speakers, room or text.
    var texts = talks.map(function (node) {
      var card = node.cloneNode(true);
      card.querySelectorAll(".talk-time, button").forEach(function (part) { part.remove(); });
      return wordsOf(card.textContent);
    });
    input.addEventListener("input", function () {
      var words = wordsOf(input.value);
      var shown = 0;
      talks.forEach(function (node, index) {
        var match = words.every(function (word) {
          return texts[index].some(function (candidate) { return candidate.indexOf(word) === 0; });
        });
        node.hidden = !match;
        if (match) shown += 1;
      });
      container.querySelectorAll(".extras").forEach(function (list) { list.hidden = words.length > 0; });
      hint.hidden = !words.length;
      hint.textContent = interpolate(
        ngettext(
          "%(count)s talk on this page matches. Press Enter to search every day.",
          "%(count)s talks on this page match. Press Enter to search every day.",
          shown
        ),
        { count: shown }
      );
    });
  }

  // ----- Jump to now ---------------------------------------------------------------------------

  // With JavaScript the visitor's clock finds the talk on now or next on this page; without, the link asks
  // the server (/<event>/schedule/now/).
  function setUpJumpToNow() {
    var link = document.querySelector("[data-jump-now]");
    var container = document.querySelector(".schedule[data-event]");
    if (!link || !container) return;
    var today = venueDate(new Date(), container.dataset.timeZone);
    if (today >= container.dataset.eventStarts && today <= container.dataset.eventEnds) {
      link.closest("[data-jump-now-item]").hidden = false;
    }
    link.addEventListener("click", function (event) {
      var now = new Date();
      var talks = Array.prototype.slice.call(container.querySelectorAll(".talk[data-talk]"))
        .filter(function (node) { return !("cancelled" in node.dataset) && new Date(node.dataset.ends) > now; })
        .sort(function (a, b) { return new Date(a.dataset.starts) - new Date(b.dataset.starts); });
      var target = talks[0];
      if (!target || venueDate(new Date(target.dataset.starts), container.dataset.timeZone) !==
          venueDate(now, container.dataset.timeZone)) return;
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      var title = target.querySelector(".talk-title a");
      if (title) title.focus({ preventScroll: true });
      window.history.replaceState(null, "", "#" + target.id);
    });
  }

  // ----- What is on now ------------------------------------------------------------------------

  function venueDate(date, zone) {
    // en-CA writes dates as YYYY-MM-DD, the form the page's data attributes use.
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(date);
  }

  function talkLink(node) {
    var p = el("p");
    var a = el("a", "", node.dataset.title);
    a.href = node.dataset.url;
    p.appendChild(a);
    p.appendChild(document.createTextNode(" · " + node.dataset.when));
    return p;
  }

  function showWhatsOn(container) {
    var live = container.querySelector("#live");
    if (!live) return;
    var now = new Date();
    var today = venueDate(now, container.dataset.timeZone);
    document.querySelectorAll(".now-line").forEach(function (line) { line.remove(); });
    document.querySelectorAll(".talk.is-live").forEach(function (node) { node.classList.remove("is-live"); });
    if (today < container.dataset.eventStarts || today > container.dataset.eventEnds) {
      live.hidden = true;
      return;
    }
    var talks = Array.prototype.slice.call(container.querySelectorAll(".talk[data-talk]"))
      .filter(function (node) { return !("cancelled" in node.dataset); });
    var running = talks.filter(function (node) {
      return new Date(node.dataset.starts) <= now && now < new Date(node.dataset.ends);
    });
    var later = talks.filter(function (node) { return new Date(node.dataset.starts) > now; })
      .sort(function (a, b) { return new Date(a.dataset.starts) - new Date(b.dataset.starts); });
    var next = later.filter(function (node) { return node.dataset.starts === later[0].dataset.starts; });

    var nowBox = live.querySelector("[data-live-now]");
    var nextBox = live.querySelector("[data-live-next]");
    nowBox.replaceChildren();
    nextBox.replaceChildren();
    running.forEach(function (node) { node.classList.add("is-live"); nowBox.appendChild(talkLink(node)); });
    next.forEach(function (node) { nextBox.appendChild(talkLink(node)); });
    if (!running.length) nowBox.appendChild(el("p", "", gettext("No talk right now.")));
    if (!next.length) nextBox.appendChild(el("p", "", gettext("No more talks in this schedule.")));
    live.hidden = false;

    // The "now" line goes before the first block of today that has not started yet.
    var day = container.querySelector("#day-" + today + " .blocks");
    if (!day) return;
    var venueTime = new Intl.DateTimeFormat("en-US", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: container.dataset.timeZone
    });
    var line = el("li", "now-line", interpolate(gettext("Now, %(time)s"), { time: venueTime.format(now) }));
    line.setAttribute("aria-hidden", "true");
    var upcoming = Array.prototype.find.call(day.children, function (block) {
      return block.classList.contains("block") && new Date(block.dataset.starts) > now;
    });
    day.insertBefore(line, upcoming || null);
  }

  function setUpWhatsOn() {
    var container = document.querySelector(".schedule[data-event]");
    if (!container) return;
    showWhatsOn(container);
    window.setInterval(function () { showWhatsOn(container); }, 60 * 1000);
  }

  // ----- The room grid ------------------------------------------------------------------------

  // A grid that fits the width of the page need not scroll in a box of its own: it scrolls with the page.
  function setUpRoomGrids() {
    var grids = document.querySelectorAll(".room-grid");
    if (!grids.length) return;
    function fit() {
      grids.forEach(function (grid) {
        grid.classList.remove("fits");
        grid.classList.toggle("fits", grid.scrollWidth <= grid.clientWidth + 1);
      });
    }
    fit();
    window.addEventListener("resize", fit);
  }

  // ----- Offline: the service worker, the note on a saved copy, forms that need a connection -----------

  // The pages of the event the service worker should keep on this device: the event's pages in the
  // navigation, the schedule's days, My schedule with the starred talks, and the starred talks themselves.
  function pagesToKeep() {
    var urls = [];
    document.querySelectorAll("a[data-offline-keep]").forEach(function (link) { urls.push(link.href); });
    var nav = document.querySelector("nav[data-event]");
    if (nav) {
      var stars = load(starsKey(nav.dataset.event), {});
      // Opened without its list, My schedule sends the visitor to the list in this browser: both are kept.
      urls.push(new URL(nav.dataset.mySchedule, window.location.href).href);
      urls.push(new URL(myScheduleUrl(nav.dataset.mySchedule, stars), window.location.href).href);
      starredSlugs(stars).forEach(function (slug) {
        if (stars[slug].url) urls.push(new URL(stars[slug].url, window.location.href).href);
      });
    }
    return urls;
  }

  function setUpServiceWorker() {
    var address = document.documentElement.dataset.serviceWorker;
    // Service workers exist only in secure contexts: HTTPS, or http://localhost and 127.0.0.1.
    if (!address || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(address).catch(function () {
      // Refused (private mode, storage blocked): the pages work as before, only not offline.
    });
    keepForOffline();
  }

  // The language the visitor chose with the switcher: Django's language cookie (LANGUAGE_COOKIE_NAME), or "".
  function chosenLanguage() {
    var match = document.cookie.match(/(?:^|;\s*)django_language=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Tells the service worker which pages to keep, and which language the visitor chose; again whenever a star
  // changes what they are.
  function keepForOffline() {
    if (!document.documentElement.dataset.serviceWorker || !("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) {
        registration.active.postMessage({ type: "keep", urls: pagesToKeep(), language: chosenLanguage() });
      }
    });
  }

  // A copy served by the service worker without a connection carries the time it was saved: say so on top.
  function showOfflineNote() {
    var saved = document.documentElement.dataset.offlineSaved;
    var main = document.querySelector("main");
    if (saved === undefined || !main) return;
    var when = new Date(saved);
    var note = el("p", "notice offline-note");
    note.setAttribute("role", "status");
    note.textContent = isNaN(when)
      ? gettext("Offline: this is the copy of this page saved on this device. It is updated when the connection is back.")
      : interpolate(
        gettext(
          "Offline: this is the copy of this page saved on this device on %(day)s at %(time)s (your time). " +
          "It is updated when the connection is back."
        ),
        { day: dayFormat.format(when).replace(",", ""), time: timeFormat.format(when) }
      );
    main.prepend(note);
    window.addEventListener("online", function () {
      note.textContent = gettext("You are back online.") + " ";
      var link = el("a", "", gettext("Load the current version of this page"));
      link.href = window.location.href;
      note.appendChild(link);
      note.appendChild(document.createTextNode("."));
    });
  }

  // Signing up and cancelling need the server: offline, the form says so and keeps what was typed.
  function setUpFormsThatNeedAConnection() {
    document.querySelectorAll("form[method='post']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (navigator.onLine !== false) return;
        event.preventDefault();
        var note = form.querySelector(".offline-form-note");
        if (!note) {
          note = el("p", "notice notice-error offline-form-note");
          note.setAttribute("role", "alert");
          var button = form.querySelector("button[type='submit'], button:not([type])");
          var row = button ? button.closest("ul, ol, p, div") : null;
          if (form.classList.contains("language-switch")) form.appendChild(note);
          else if (row && row.parentNode && form.contains(row) && row !== form) row.parentNode.insertBefore(note, row);
          else form.appendChild(note);
        }
        note.textContent = form.classList.contains("language-switch")
          ? gettext("Changing the language needs a connection: try again once you are back online.")
          : gettext(
            "You are offline, and this needs a connection: nothing was sent. What you typed is " +
            "kept here; send it again once you are back online."
          );
      });
    });
  }

  function start() {
    document.documentElement.classList.add("js");
    showOfflineNote();
    setUpFormsThatNeedAConnection();
    setUpServiceWorker();
    setUpStars();
    setUpLocalTimeSwitch();
    setUpWhatsOn();
    setUpSearchAsYouType();
    setUpJumpToNow();
    setUpRoomGrids();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
