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

  // ----- Times in another zone ----------------------------------------------------------------

  // The visitor's choice: {zone, instead}, instead meaning the chosen zone's times replace the venue's. The
  // switch offers the browser's zone; the time-zone page (/<event>/time-zone/) any zone. Remembered here, so
  // every page opened later shows it; a page the server already rendered for a zone (?tz=) is left as it is.
  var visitorZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // Dates in the pages' own style ("Mon 16 May"); the zone's abbreviation as the visitor's browser names it.
  var dayFormat = new Intl.DateTimeFormat(dateLanguage, { weekday: "short", day: "numeric", month: "short" });
  var timeFormat = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

  function zoneChoice() {
    var choice = load("zone", null);
    if (choice && choice.zone) return choice;
    return load("local-time", false) === true ? { zone: visitorZone, instead: false } : null;
  }

  function formats(zone) {
    return {
      day: new Intl.DateTimeFormat(dateLanguage, { weekday: "short", day: "numeric", month: "short", timeZone: zone }),
      time: new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }),
      zone: new Intl.DateTimeFormat("en-US", { timeZoneName: "short", timeZone: zone })
    };
  }

  function zoneName(date, zone, format) {
    var part = format.zone.formatToParts(date).find(function (p) { return p.type === "timeZoneName"; });
    return part ? part.value : zone;
  }

  function localTime(starts, ends, zone) {
    var format = formats(zone);
    var text = format.day.format(starts).replace(",", "") + ", " + format.time.format(starts);
    if (ends) text += "–" + format.time.format(ends);
    var line = el("span", "local-time", text + " " + zoneName(starts, zone, format) + " ");
    // On a narrow screen the line breaks before "(your time)" rather than inside it.
    line.appendChild(el("span", "local-time-note", zone === visitorZone ? gettext("(your time)") : "(" + zone + ")"));
    return line;
  }

  // A card of the room grid names its times in <time> elements alone.
  function timesOf(node) {
    var found = node.querySelectorAll(".talk-time time[datetime]");
    return found.length ? [new Date(found[0].getAttribute("datetime")), found[1] && new Date(found[1].getAttribute("datetime"))] : null;
  }

  // Beside: every `.when[data-starts]` (with `data-ends` for a range) gets the time in the chosen zone on a
  // line of its own, at the end of the nearest element marked `data-local-time-host` (or the talk time, dd or
  // li around it); so do the grid's cards and its time headings.
  function showTimesBeside(zone) {
    document.querySelectorAll(".when[data-starts]").forEach(function (when) {
      var host = when.closest("[data-local-time-host], .talk-time, dd, li") || when;
      var ends = when.dataset.ends ? new Date(when.dataset.ends) : null;
      host.appendChild(localTime(new Date(when.dataset.starts), ends, zone));
    });
    document.querySelectorAll(".grid .talk-time").forEach(function (host) {
      if (host.querySelector(".when")) return;
      var span = timesOf(host.parentNode);
      if (span) host.appendChild(localTime(span[0], span[1], zone));
    });
    var format = formats(zone);
    document.querySelectorAll(".grid-time time[datetime]").forEach(function (time) {
      var moment = new Date(time.getAttribute("datetime"));
      time.parentNode.appendChild(el("span", "local-time", format.time.format(moment) + " " + zoneName(moment, zone, format)));
    });
  }

  // Instead: every time of the page written in the chosen zone, its abbreviation too.
  function showTimesInstead(zone) {
    var format = formats(zone);
    document.querySelectorAll("time[datetime]").forEach(function (time) {
      var value = time.getAttribute("datetime");
      if (value.indexOf("T") < 0) return;
      var moment = new Date(value);
      var timeOnly = /^\s*\d\d:\d\d\s*$/.test(time.textContent);
      time.textContent = (timeOnly ? "" : format.day.format(moment).replace(",", "") + ", ") + format.time.format(moment);
    });
    document.querySelectorAll("abbr.zone, .zone abbr").forEach(function (abbr) {
      var host = abbr.closest(".when, .talk, li, p, dd, h2, small");
      var time = host && host.querySelector("time[datetime]");
      var when = host && host.querySelector(".when[data-starts]");
      var moment = new Date(time ? time.getAttribute("datetime") : when ? when.dataset.starts : Date.now());
      abbr.textContent = zoneName(moment, zone, format);
      abbr.title = zone;
      var zoneSpan = abbr.closest(".zone");
      if (zoneSpan && zoneSpan !== abbr && zoneSpan.lastChild !== abbr) zoneSpan.lastChild.textContent = "";
    });
  }

  function showLocalTimes(choice) {
    document.querySelectorAll(".local-time").forEach(function (line) { line.remove(); });
    if (!choice) return;
    if (choice.instead) showTimesInstead(choice.zone);
    else showTimesBeside(choice.zone);
  }

  function setUpLocalTimeSwitch() {
    var shown = document.querySelector("[data-shown-zone]");
    if (shown) {
      // The server wrote this page's times for the zone in its address: that is the visitor's choice now.
      save("zone", shown.dataset.shownZone ? { zone: shown.dataset.shownZone, instead: "shownInstead" in shown.dataset } : null);
      if (shown.dataset.shownZone) return;
    }
    var choice = zoneChoice();
    var button = document.querySelector("[data-local-time-toggle]");
    if (button) {
      var on = !!choice;
      button.closest(".js-tools").hidden = false;
      button.setAttribute("aria-pressed", String(on));
      button.textContent = choice && choice.zone !== visitorZone
        ? interpolate(gettext("Also show times in %(zone)s"), { zone: choice.zone })
        : interpolate(gettext("Also show times in my time zone (%(zone)s)"), { zone: visitorZone });
      button.addEventListener("click", function () {
        var wasInstead = !!(choice && choice.instead);
        on = !on;
        choice = on ? { zone: (choice && choice.zone) || visitorZone, instead: false } : null;
        save("zone", choice);
        save("local-time", false);
        button.setAttribute("aria-pressed", String(on));
        // Times written over in another zone come back as the server wrote them.
        if (wasInstead) { window.location.reload(); return; }
        showLocalTimes(choice);
      });
    }
    // One choice for every page: made on the schedule or office hours, it carries over to talks, booth and signups.
    if (choice) showLocalTimes(choice);
  }

  // The time-zone page: the browser's zone first, and the choice remembered as the form is sent.
  function setUpZoneForm() {
    var form = document.querySelector("[data-zone-form]");
    if (!form) return;
    var select = form.querySelector("[data-zone-select]");
    var current = Array.prototype.find.call(select.options, function (option) { return option.value === visitorZone; });
    if (current && !select.querySelector("option[selected]:not(:first-child)")) {
      var mine = el("option", "", interpolate(gettext("%(zone)s (your browser's)"), { zone: visitorZone }));
      mine.value = visitorZone;
      // Chosen for the visitor unless they chose already: the script may run after they did.
      var untouched = select.selectedIndex === 0;
      select.insertBefore(mine, select.options[1] || null);
      if (untouched) select.value = visitorZone;
    }
    form.addEventListener("submit", function () {
      var venue = select.options[0].value;
      var instead = form.querySelector("input[name='times']:checked");
      save("zone", select.value === venue ? null : { zone: select.value, instead: !!instead && instead.value === "instead" });
    });
    var reset = form.querySelector("[data-zone-reset]");
    if (reset) reset.addEventListener("click", function () { save("zone", null); save("local-time", false); });
  }

  // ----- Stars and "My schedule" ---------------------------------------------------------------

  function starsKey(event) { return "stars:" + event; }

  // A talk's slug: a card of the room grid carries it only in its id (talk-<slug>), to keep a big day small.
  function slugOf(node) { return node.dataset.talk || node.id.replace(/^talk-/, ""); }

  // What a star remembers of its talk: also what the visitor last saw of it, to tell them when it changed.
  // A card of the room grid carries only its slug and time in words: the rest is read from the card itself.
  function starInfo(node) {
    var link = node.querySelector(".talk-title a");
    var room = node.querySelector(".talk-room");
    var span = node.dataset.starts ? null : timesOf(node);
    return {
      title: node.dataset.title || (link ? link.textContent : ""),
      url: node.dataset.url || (link ? link.getAttribute("href") : ""),
      when: node.dataset.when,
      starts: node.dataset.starts || (span ? isoOf(node, 0) : ""),
      ends: node.dataset.ends || (span ? isoOf(node, 1) : ""),
      room: node.dataset.room !== undefined ? node.dataset.room : room ? room.firstChild.textContent.replace(/ · $/, "") : "",
      cancelled: node.hasAttribute("data-cancelled")
    };
  }

  function isoOf(node, index) {
    var time = node.querySelectorAll(".talk-time time[datetime]")[index];
    return time ? time.getAttribute("datetime") : "";
  }

  function startsOf(node) { return new Date(node.dataset.starts || isoOf(node, 0)); }
  function endsOf(node) { return new Date(node.dataset.ends || isoOf(node, 1)); }

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
    var slug = slugOf(node);
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
        button.setAttribute("aria-label", interpolate(label, { title: starInfo(node).title }));
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
    container.querySelectorAll(".talk[id^='talk-']").forEach(function (node) {
      var seen = stars[slugOf(node)];
      var changes = seen ? changesSince(seen, node) : [];
      if (!changes.length) return;
      var note = el("p", "my-schedule-change");
      note.appendChild(el("strong", "", gettext("Changed since you last looked:") + " "));
      note.appendChild(document.createTextNode(changes.join("; ") + ". "));
      var button = el("button", "link-button", gettext("Got it"));
      button.type = "button";
      button.addEventListener("click", function () { onSeen(slugOf(node), node); });
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
    container.querySelectorAll("li.talk[id^='talk-']").forEach(function (node) {
      node.appendChild(starButton(node, stars, toggle, false));
    });
  }

  // ----- Search as you type --------------------------------------------------------------------

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // The talks on the page narrow down while the visitor types, to those the server's search finds for what is
  // typed (the same search Enter runs, over the same days): one count, whichever way the visitor searches.
  function setUpSearchAsYouType() {
    var input = document.querySelector("[data-search-as-you-type]");
    var container = document.querySelector(".schedule[data-event]");
    if (!input || !container || !window.fetch) return;
    var form = input.form;
    var hint = form.querySelector("[data-search-hint]");
    var talks = Array.prototype.slice.call(container.querySelectorAll(".talk[id^='talk-']"));
    var timer = null;
    var asked = 0;
    function show(found, count) {
      talks.forEach(function (node) { node.hidden = found !== null && !found[slugOf(node)]; });
      container.querySelectorAll(".extras, .grid-time").forEach(function (part) { part.hidden = found !== null; });
      hint.hidden = found === null;
      if (found === null) return;
      var here = talks.filter(function (node) { return found[slugOf(node)]; }).length;
      hint.textContent = interpolate(
        ngettext(
          "%(count)s talk matches (%(here)s of them on this page). Press Enter to list it.",
          "%(count)s talks match (%(here)s of them on this page). Press Enter to list them.",
          count
        ),
        { count: count, here: here }
      );
    }
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var words = input.value.trim();
      if (words.length < 2) { asked += 1; show(null, 0); return; }
      timer = window.setTimeout(function () {
        var ask = ++asked;
        var query = new URLSearchParams(new FormData(form)).toString();
        fetch(form.action + "?" + query, { credentials: "same-origin" })
          .then(function (response) { return response.text(); })
          .then(function (html) {
            if (ask !== asked) return; // the visitor has typed on since
            var page = new DOMParser().parseFromString(html, "text/html");
            var found = {};
            var results = page.querySelectorAll(".results .talk[id^='talk-']");
            results.forEach(function (node) { found[slugOf(node)] = true; });
            show(found, results.length);
          })
          .catch(function () { /* offline or refused: the form still searches on Enter */ });
      }, 250);
    });
  }

  // ----- Jump to now ---------------------------------------------------------------------------

  // With JavaScript the visitor's clock finds the talk on now or next on this page; without, the link asks
  // the server (/<event>/schedule/now/).
  function setUpJumpToNow() {
    var link = document.querySelector("[data-jump-now]");
    var container = document.querySelector(".schedule[data-event]");
    if (!link || !container) return;
    var today = venueDate(new Date(), container.dataset.timeZone, container.dataset.dayChange);
    if (today >= container.dataset.eventStarts && today <= container.dataset.eventEnds) {
      link.closest("[data-jump-now-item]").hidden = false;
    }
    link.addEventListener("click", function (event) {
      var now = new Date();
      var talks = Array.prototype.slice.call(container.querySelectorAll(".talk[id^='talk-']"))
        .filter(function (node) { return !("cancelled" in node.dataset) && !node.hidden && endsOf(node) > now; })
        .sort(function (a, b) { return startsOf(a) - startsOf(b); });
      var target = talks[0];
      if (!target || venueDate(startsOf(target), container.dataset.timeZone, container.dataset.dayChange) !==
          venueDate(now, container.dataset.timeZone, container.dataset.dayChange)) return;
      event.preventDefault();
      target.scrollIntoView({ block: "center", inline: "center" });
      var title = target.querySelector(".talk-title a");
      if (title) title.focus({ preventScroll: true });
      window.history.replaceState(null, "", "#" + target.id);
    });
  }

  // ----- What is on now ------------------------------------------------------------------------

  function venueDate(date, zone, dayChange) {
    // The programme's day: a moment before its day change ("04:00", a night programme's) is the day before.
    var parts = (dayChange || "00:00").split(":");
    var shifted = new Date(date.getTime() - (Number(parts[0]) * 60 + Number(parts[1])) * 60000);
    // en-CA writes dates as YYYY-MM-DD, the form the page's data attributes use.
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(shifted);
  }

  function talkLink(node) {
    var info = starInfo(node);
    var p = el("p");
    var a = el("a", "", info.title);
    a.href = info.url;
    p.appendChild(a);
    p.appendChild(document.createTextNode(" · " + node.dataset.when + (info.room ? " · " + info.room : "")));
    return p;
  }

  // Today's talks: those on this page where it shows today, else those of today's page of the schedule, read
  // once (the page every visitor shares, kept by the cache and by the service worker).
  var todaysTalks = null;
  function talksOfToday(container, today, done) {
    var here = Array.prototype.slice.call(container.querySelectorAll(".talk[id^='talk-']"))
      .filter(function (node) { return venueDate(startsOf(node), container.dataset.timeZone, container.dataset.dayChange) === today; });
    if (here.length || !container.dataset.scheduleUrl) return done(here, false);
    if (todaysTalks && todaysTalks.day === today) return done(todaysTalks.talks, true);
    fetch(container.dataset.scheduleUrl + "?day=" + today, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        todaysTalks = { day: today, talks: Array.prototype.slice.call(page.querySelectorAll(".schedule .talk[id^='talk-']")) };
        done(todaysTalks.talks, true);
      })
      .catch(function () { done([], true); });
  }

  function showWhatsOn(container) {
    var live = container.querySelector("#live");
    if (!live) return;
    var now = new Date();
    var today = venueDate(now, container.dataset.timeZone, container.dataset.dayChange);
    if (today < container.dataset.eventStarts || today > container.dataset.eventEnds) {
      live.hidden = true;
      return;
    }
    talksOfToday(container, today, function (found, elsewhere) { paintWhatsOn(container, live, found, elsewhere, now); });
  }

  // What runs now and what comes next today, never tomorrow's first talk; on another day's page, with the way
  // to today's.
  function paintWhatsOn(container, live, found, elsewhere, now) {
    document.querySelectorAll(".now-line").forEach(function (line) { line.remove(); });
    document.querySelectorAll(".talk.is-live").forEach(function (node) { node.classList.remove("is-live"); });
    var talks = found.filter(function (node) { return !("cancelled" in node.dataset); });
    var running = talks.filter(function (node) { return startsOf(node) <= now && now < endsOf(node); });
    var later = talks.filter(function (node) { return startsOf(node) > now; })
      .sort(function (a, b) { return startsOf(a) - startsOf(b); });
    var next = later.filter(function (node) { return startsOf(node).getTime() === startsOf(later[0]).getTime(); });

    var nowBox = live.querySelector("[data-live-now]");
    var nextBox = live.querySelector("[data-live-next]");
    nowBox.replaceChildren();
    nextBox.replaceChildren();
    running.forEach(function (node) { if (!elsewhere) node.classList.add("is-live"); nowBox.appendChild(talkLink(node)); });
    next.slice(0, 12).forEach(function (node) { nextBox.appendChild(talkLink(node)); });
    if (next.length > 12) nextBox.appendChild(el("p", "", interpolate(gettext("and %(count)s more."), { count: next.length - 12 })));
    if (!running.length) nowBox.appendChild(el("p", "", gettext("No talk right now.")));
    if (!next.length) nextBox.appendChild(el("p", "", gettext("No more talks today.")));
    var toToday = live.querySelector("[data-live-today]");
    if (toToday) {
      toToday.hidden = !elsewhere;
      toToday.querySelector("a").href = container.dataset.scheduleUrl + "?day=" + venueDate(now, container.dataset.timeZone, container.dataset.dayChange);
    }
    live.hidden = false;
    if (elsewhere) return;

    // The "now" line goes before the first block of today that has not started yet.
    var day = container.querySelector("#day-" + venueDate(now, container.dataset.timeZone, container.dataset.dayChange) + " .blocks");
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

  // ----- The visitor's own language ------------------------------------------------------------

  // Pages are the same for every visitor (and kept so): a browser that prefers a language the portal speaks,
  // other than the page's, is offered it in one line, written in that language, until the visitor chooses.
  var OFFERS = {
    es: ["Esta página también está en español.", "Leer en español", "No, gracias"],
    de: ["Diese Seite gibt es auch auf Deutsch.", "Auf Deutsch lesen", "Nein, danke"]
  };

  function offerTheBrowsersLanguage() {
    var switcher = document.querySelector("form.language-switch");
    if (!switcher || chosenLanguage() || load("language-offer-declined", false)) return;
    var wanted = (navigator.languages || [navigator.language || ""]).map(function (code) { return code.slice(0, 2).toLowerCase(); });
    var offered = null;
    for (var i = 0; i < wanted.length; i += 1) {
      if (wanted[i] === pageLanguage) return; // the page already speaks a language the visitor reads first
      if (OFFERS[wanted[i]] && switcher.querySelector("button[value='" + wanted[i] + "']")) { offered = wanted[i]; break; }
    }
    if (!offered) return;
    var words = OFFERS[offered];
    var line = el("p", "language-offer");
    line.lang = offered;
    line.appendChild(document.createTextNode(words[0] + " "));
    var take = el("button", "link-button", words[1]);
    take.type = "button";
    take.addEventListener("click", function () { switcher.querySelector("button[value='" + offered + "']").click(); });
    var decline = el("button", "link-button", words[2]);
    decline.type = "button";
    decline.addEventListener("click", function () { save("language-offer-declined", true); line.remove(); });
    line.appendChild(take);
    line.appendChild(document.createTextNode(" · "));
    line.appendChild(decline);
    var header = document.querySelector(".site-header");
    if (header) header.after(line);
  }

  function start() {
    document.documentElement.classList.add("js");
    showOfflineNote();
    setUpFormsThatNeedAConnection();
    setUpServiceWorker();
    setUpStars();
    setUpLocalTimeSwitch();
    setUpZoneForm();
    setUpWhatsOn();
    offerTheBrowsersLanguage();
    setUpSearchAsYouType();
    setUpJumpToNow();
    setUpRoomGrids();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
