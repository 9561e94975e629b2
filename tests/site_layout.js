// Measures, in a real browser, every table and code block of the pages of a built site.
//
// tests/site_check.py writes this script into a harness page together with two globals:
// TNRANK_PAGES (addresses of the pages, relative to the harness) and TNRANK_WIDTHS (window
// widths in CSS pixels). Each page is loaded in turn into an iframe of that width (the
// iframe's width is the page's viewport, so the theme lays it out as in a window of that
// size), and every <table> and <pre> of its article is compared with the column it sits in.
// Any other element that is wider than the column (a heading or a link with a long word, an
// image) is reported too: the innermost such element, which is what pushes its section wide.
// The findings are written as JSON into <pre id="tnrank-layout"> with data-done="1", which
// the headless browser prints with --dump-dom.

const SETTLE_MS = 100;      // after load: web fonts and the theme's scripts finish layout
const MATH_WAIT_MS = 5000;  // MathJax typesets after load; tables may hold math

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function load(frame, address) {
  return new Promise((resolve) => {
    frame.onload = () => resolve(true);
    frame.onerror = () => resolve(false);
    frame.src = address;
  });
}

async function typeset(win) {
  const promise = win.MathJax && win.MathJax.startup && win.MathJax.startup.promise;
  if (promise) {
    await Promise.race([promise, sleep(MATH_WAIT_MS)]);
  }
}

function firstLine(el) {
  const text = (el.textContent || "").trim().split("\n")[0];
  return text.length > 70 ? text.slice(0, 67) + "..." : text;
}

// The blocks of one page that need more width than their column gives them, and the other
// elements that are wider than it.
function measure(doc, page, width) {
  const found = [];
  const article = doc.querySelector("article.bd-article") || doc.querySelector("main") || doc.body;
  const box = article.getBoundingClientRect();
  const style = doc.defaultView.getComputedStyle(article);
  const right = box.right - parseFloat(style.paddingRight || "0");
  let checked = 0;
  for (const el of article.querySelectorAll("table, pre")) {
    if (!el.getClientRects().length) {
      continue;  // not rendered (display: none)
    }
    checked += 1;
    let need = el.scrollWidth;
    let have = el.clientWidth;
    const rect = el.getBoundingClientRect();
    const ends = rect.left + Math.max(rect.width, el.scrollWidth);
    // a wrapper that scrolls or clips (pydata wraps tables in a scrolling container), or one
    // this block sticks out of (a section pushed wide by another element is not this block's
    // doing: that element is reported by itself, below)
    for (let up = el.parentElement; up && up !== article; up = up.parentElement) {
      const inner = up.getBoundingClientRect().left + up.clientLeft;
      const sticksOut = ends > inner + up.clientWidth + 1;
      if (up.scrollWidth > up.clientWidth + 1 && (clips(up) || sticksOut)) {
        need = Math.max(need, clips(up) ? up.scrollWidth : Math.ceil(ends - inner));
        have = Math.min(have, up.clientWidth);
      }
    }
    if (rect.right > right + 1) {
      need = Math.max(need, Math.ceil(rect.right - box.left));
      have = Math.min(have, Math.floor(right - box.left));
    }
    if (need > have + 1) {
      found.push({page, width, kind: el.tagName.toLowerCase(), need: Math.ceil(need),
                  have: Math.floor(have), text: firstLine(el)});
    }
  }
  found.push(...widerThanColumn(article, box.left + parseFloat(style.paddingLeft || "0"), right)
    .map((el) => ({page, width, kind: el.tagName.toLowerCase(), need: Math.ceil(extent(el) - left(el)),
                   have: Math.floor(right - box.left), text: firstLine(el)})));
  return {found, checked};
}

function clips(el) {
  return el.ownerDocument.defaultView.getComputedStyle(el).overflowX !== "visible";
}

function left(el) {
  return el.getBoundingClientRect().left;
}

// Where an element's content ends on the right: its box, or, when its content overflows the
// box visibly, the end of that content (an inline element has no scrollWidth: its box).
function extent(el) {
  const rect = el.getBoundingClientRect();
  return clips(el) ? rect.right : Math.max(rect.right, rect.left + el.scrollWidth);
}

// Whether an ancestor of el below the article hides what el shows past it (MathJax clips the
// extenders of its stretchy brackets; a scrolling container clips its content).
function clippedAbove(el, article) {
  for (let up = el.parentElement; up && up !== article; up = up.parentElement) {
    if (clips(up)) {
      return true;
    }
  }
  return false;
}

// The elements of the article, other than its tables and code blocks (measured above) and
// their contents, that are wider than the column [columnLeft, columnRight], reach past its
// right edge and are not clipped, with no element inside them that is too (so the heading,
// not its section).
function widerThanColumn(article, columnLeft, columnRight) {
  const column = columnRight - columnLeft;
  const wide = (el) => el.getClientRects().length > 0 && extent(el) > columnRight + 1
    && extent(el) - left(el) > column + 1 && !clippedAbove(el, article);
  const found = [];
  for (const el of article.querySelectorAll("*")) {
    if (el.closest("table, pre") || !wide(el)) {
      continue;
    }
    const inner = Array.from(el.querySelectorAll("*")).some((child) => wide(child));
    if (!inner) {
      found.push(el);
    }
  }
  return found;
}

async function run() {
  const out = document.getElementById("tnrank-layout");
  const report = {overflows: [], checked: 0, pages: 0, failed: []};
  for (const width of TNRANK_WIDTHS) {
    for (const page of TNRANK_PAGES) {
      const frame = document.createElement("iframe");
      frame.style.width = width + "px";
      frame.style.height = "900px";
      document.body.appendChild(frame);
      const ok = await load(frame, page);
      try {
        if (!ok) {
          throw new Error("did not load");
        }
        await typeset(frame.contentWindow);
        await sleep(SETTLE_MS);
        const {found, checked} = measure(frame.contentDocument, page, width);
        report.overflows.push(...found);
        report.checked += checked;
        report.pages += 1;
      } catch (error) {
        report.failed.push(page + " at " + width + " px: " + error);
      }
      frame.remove();
    }
  }
  out.textContent = JSON.stringify(report);
  out.setAttribute("data-done", "1");
}

run();
