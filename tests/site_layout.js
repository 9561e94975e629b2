// Measures, in a real browser, every table and code block of the pages of a built site.
//
// tests/site_check.py writes this script into a harness page together with two globals:
// TNRANK_PAGES (addresses of the pages, relative to the harness) and TNRANK_WIDTHS (window
// widths in CSS pixels). Each page is loaded in turn into an iframe of that width (the
// iframe's width is the page's viewport, so the theme lays it out as in a window of that
// size), and every <table> and <pre> of its article is compared with the column it sits in.
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

// The blocks of one page that need more width than their column gives them.
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
    // a wrapper that scrolls or clips (pydata wraps tables in a scrolling container)
    for (let up = el.parentElement; up && up !== article; up = up.parentElement) {
      if (up.scrollWidth > up.clientWidth + 1) {
        need = Math.max(need, up.scrollWidth);
        have = Math.min(have, up.clientWidth);
      }
    }
    const rect = el.getBoundingClientRect();
    if (rect.right > right + 1) {
      need = Math.max(need, Math.ceil(rect.right - box.left));
      have = Math.min(have, Math.floor(right - box.left));
    }
    if (need > have + 1) {
      found.push({page, width, kind: el.tagName.toLowerCase(), need: Math.ceil(need),
                  have: Math.floor(have), text: firstLine(el)});
    }
  }
  return {found, checked};
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
