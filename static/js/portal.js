// Comfort on top of the server-rendered pages: times in the visitor's zone, starred talks and
// "My schedule", and what is on now while the event is live. Every page works without this file.
(function () {
  "use strict";

  var PREFIX = "portal:";

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
  var dayFormat = new Intl.DateTimeFormat("en-US", { weekday: "short", day: "numeric", month: "short" });
  var timeFormat = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var zoneFormat = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" });

  function zoneName(date) {
    var part = zoneFormat.formatToParts(date).find(function (p) { return p.type === "timeZoneName"; });
    return part ? part.value : visitorZone;
  }

  function localTime(starts, ends) {
    var text = dayFormat.format(starts) + ", " + timeFormat.format(starts);
    if (ends) text += "–" + timeFormat.format(ends);
    var line = el("span", "local-time", text + " " + zoneName(starts) + " ");
    // On a narrow screen the line breaks before "(your time)" rather than inside it.
    line.appendChild(el("span", "local-time-note", "(your time)"));
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
      button.textContent = "Also show times in my time zone (" + visitorZone + ")";
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
    if (seen.starts !== now.starts || seen.ends !== now.ends) changes.push("moved from " + seen.when + " to " + now.when);
    if (seen.room !== undefined && seen.room !== now.room) {
      changes.push("room " + (seen.room || "not announced") + " → " + (now.room || "not announced"));
    }
    if (seen.title !== now.title) changes.push("renamed from “" + seen.title + "”");
    if (seen.cancelled !== undefined && seen.cancelled !== now.cancelled) {
      changes.push(now.cancelled ? "cancelled" : "back in the programme");
    }
    return changes;
  }

  function talkNode(container, slug) {
    return Array.prototype.find.call(container.querySelectorAll("li.talk[data-talk]"), function (node) {
      return node.dataset.talk === slug;
    });
  }

  function renderMySchedule(container, stars, onSeen) {
    var section = container.querySelector("#my-schedule");
    if (!section) return;
    section.hidden = false;
    var list = section.querySelector("[data-my-schedule]");
    var empty = section.querySelector(".my-schedule-empty");
    var calendar = section.querySelector(".my-schedule-calendar");
    var link = section.querySelector("[data-my-calendar]");
    var slugs = Object.keys(stars).sort(function (a, b) {
      return new Date(stars[a].starts) - new Date(stars[b].starts);
    });
    list.replaceChildren();
    slugs.forEach(function (slug) {
      var info = stars[slug];
      var node = talkNode(container, slug);
      var item = el("li");
      var a = el("a", "", node ? node.dataset.title : info.title);
      a.href = info.url;
      item.appendChild(a);
      item.appendChild(el("span", "talk-line-when", node ? node.dataset.when : info.when));
      // The whole schedule lists every public talk: a starred one missing from it was withdrawn.
      var changes = node ? changesSince(info, node)
        : container.hasAttribute("data-complete") ? ["no longer in the schedule"] : [];
      if (changes.length) {
        item.classList.add("is-changed");
        var note = el("p", "my-schedule-change");
        note.appendChild(el("strong", "", "Changed since you last looked: "));
        note.appendChild(document.createTextNode(changes.join("; ") + ". "));
        var seen = el("button", "link-button", "Got it");
        seen.type = "button";
        seen.addEventListener("click", function () { onSeen(slug, node); });
        note.appendChild(seen);
        item.appendChild(note);
      }
      list.appendChild(item);
    });
    empty.hidden = slugs.length > 0;
    calendar.hidden = slugs.length === 0;
    link.href = container.dataset.icsUrl + "?talks=" + slugs.map(encodeURIComponent).join(",");
    var subscribe = section.querySelector("[data-my-calendar-subscribe]");
    // The same address for the calendar app to subscribe to: starred talks that move, move there too.
    if (subscribe) subscribe.href = link.href.replace(/^https?:/, "webcal:");
  }

  function starButton(node, stars, onChange, wide) {
    var slug = node.dataset.talk;
    var button = el("button", wide ? "button star-wide" : "star");
    button.type = "button";
    function paint() {
      var starred = Object.prototype.hasOwnProperty.call(stars(), slug);
      button.setAttribute("aria-pressed", String(starred));
      if (wide) {
        button.textContent = starred ? "★ Starred" : "☆ Star this talk";
      } else {
        button.textContent = starred ? "★" : "☆";
        button.setAttribute("aria-label", (starred ? "Starred: " : "Star: ") + node.dataset.title);
      }
    }
    button.addEventListener("click", function () {
      onChange(slug, node);
      paint();
    });
    paint();
    return button;
  }

  function setUpStars() {
    var container = document.querySelector(".schedule[data-event], .talk-detail[data-event]");
    if (!container) return;
    var key = starsKey(container.dataset.event);
    function stars() { return load(key, {}); }
    function toggle(slug, node) {
      var current = stars();
      if (current[slug]) delete current[slug];
      else current[slug] = starInfo(node);
      save(key, current);
      renderMySchedule(container, current, seen);
    }
    function seen(slug, node) {
      // The visitor has read what changed: remember the talk as it is now (or forget a withdrawn one).
      var current = stars();
      if (node) current[slug] = starInfo(node);
      else delete current[slug];
      save(key, current);
      renderMySchedule(container, current, seen);
    }
    if (container.classList.contains("talk-detail")) {
      var item = el("li");
      item.appendChild(starButton(container, stars, toggle, true));
      var actions = container.querySelector(".actions");
      if (actions) actions.prepend(item);
      return;
    }
    container.querySelectorAll("li.talk[data-talk]").forEach(function (node) {
      node.appendChild(starButton(node, stars, toggle, false));
    });
    renderMySchedule(container, stars(), seen);
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
    var talks = Array.prototype.slice.call(container.querySelectorAll("li.talk[data-talk]"))
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
    if (!running.length) nowBox.appendChild(el("p", "", "No talk right now."));
    if (!next.length) nextBox.appendChild(el("p", "", "No more talks in this schedule."));
    live.hidden = false;

    // The "now" line goes before the first block of today that has not started yet.
    var day = container.querySelector("#day-" + today + " .blocks");
    if (!day) return;
    var venueTime = new Intl.DateTimeFormat("en-US", {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: container.dataset.timeZone
    });
    var line = el("li", "now-line", "Now, " + venueTime.format(now));
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

  function start() {
    setUpStars();
    setUpLocalTimeSwitch();
    setUpWhatsOn();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
