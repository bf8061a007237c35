// The admin's "Import talks" page (templates/admin/events/event/import_talks.html): the list of talks found
// narrows as the organiser types, and "Select all shown" / "Select none" tick at once, without sending the
// form. Without this file the same buttons send it and the server does the same (events/admin.py).
//
// The filter is events/matching.py's rule: whole words, any letter case, accents aside, any of several words,
// "words in quotes" as a phrase. Each row carries its talk's words as the server folded them (data-words, words
// between spaces, its texts apart with "|"); only the typed words are folded here.
(function () {
  "use strict";

  var form = document.querySelector("form[data-import-talks]");
  if (!form) return;
  var input = form.querySelector("input[name=match]");
  var rows = Array.prototype.slice.call(form.querySelectorAll("tr[data-words]"));
  var noneFound = form.querySelector("[data-none-found]");
  var shownCount = form.querySelector("[data-shown-count]");
  var tickedCount = form.querySelector("[data-ticked-count]");

  // As events/schedule.fold(): compatibility decomposition, no combining marks, lower case (casefold's ß too).
  function fold(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/ß/g, "ss");
  }
  // As events/matching.WORD: letters, digits and _, with hyphens inside a word.
  var WORD = /[\p{L}\p{N}_]+(?:[-\u2010\u2011][\p{L}\p{N}_]+)*/gu;

  function phrasesOf(query) {
    var phrases = [];
    var part;
    var parts = /["“”„]([^"“”„]*)["“”„]?|([^\s"“”„]+)/g;
    while ((part = parts.exec(query)) !== null) {
      var words = fold(part[1] !== undefined ? part[1] : part[2]).match(WORD);
      if (words && phrases.indexOf(words.join(" ")) === -1) phrases.push(words.join(" "));
    }
    return phrases;
  }

  function box(row) { return row.querySelector("input[name=talks]"); }

  function count() {
    tickedCount.textContent = rows.filter(function (row) { return box(row).checked; }).length;
  }

  function filter() {
    var phrases = phrasesOf(input.value);
    var shown = 0;
    rows.forEach(function (row) {
      var words = row.dataset.words;
      var match = !phrases.length || phrases.some(function (phrase) {
        return words.indexOf(" " + phrase + " ") !== -1;
      });
      row.hidden = !match;
      if (match) shown += 1;
    });
    noneFound.hidden = shown > 0;
    shownCount.textContent = shown;
    count();
  }

  // The browser may have restored another filter or other ticks than the server showed (back, reload).
  filter();
  input.addEventListener("input", filter);
  form.addEventListener("change", count);
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-filter], button[data-select]");
    if (!button) return;
    // Enter in the filter box "clicks" the Filter button, the form's first: filtering here sends nothing.
    event.preventDefault();
    if (button.dataset.select === "all") {
      rows.forEach(function (row) { if (!row.hidden) box(row).checked = true; });
    } else if (button.dataset.select === "none") {
      rows.forEach(function (row) { box(row).checked = false; });
    }
    filter();
  });
})();
