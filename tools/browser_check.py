"""Open every page of the built book in a headless Chromium and fail on anything broken.

    python tools/browser_check.py _build/html [--screenshots DIR] [--strict-stderr]

Serves HTML_DIR on 127.0.0.1 (a free port, in-process) and opens each .html page with Playwright
driving Debian's /usr/bin/chromium (installed with apt-get when missing and running as root;
Playwright's own browser download is never used). A page fails on:
  - a JavaScript console error or an uncaught page error, or a local resource answering >= 400;
  - any request to a host other than 127.0.0.1/localhost (recorded and blocked);
  - a cell error output (myst-nb renders a traceback as `div.output.traceback`);
  - math that MathJax did not typeset (`.math` elements but no `mjx-container`, or `mjx-merror`);
  - a displayed widget that did not render from the saved state, a "Loading widget" / "state not
    found" / "Error displaying widget" placeholder, or a page with widget views and no state;
  - a slider that does not react: each slider is moved with the keyboard (ArrowRight, or
    ArrowLeft at its maximum) and the content of its widget (texts and the bytes of its images)
    must change.
A full-page screenshot of each page (and of each slider's widget before/after the move) goes to
HTML_DIR/../screenshots. One line per page, a summary, and exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SKIP_DIRS = {"_static", "_sources", "_images", "_downloads"}
PLACEHOLDERS = ("Loading widget", "widget state not found", "Error displaying widget",
                "Could not create a view", "Model state has errors")

# JS: for every widget-view script, is there a rendered widget right before it?
JS_WIDGETS_RENDERED = """() => {
  const views = Array.from(document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]'));
  return views.every(s => s.previousElementSibling && s.previousElementSibling.querySelector('.jupyter-widgets'));
}"""

# JS: a signature of what widget root number `i` shows (text + SHA-256 of every image's bytes),
# leaving out the slider's own readout.
JS_SIGNATURE = """async ([i]) => {
  const slider = document.querySelectorAll('.widget-slider')[i];
  const root = widgetRoot(slider);
  const parts = [];
  const walk = (el) => {
    if (el === slider) return;
    if (el.tagName === 'IMG') parts.push(el.src);
    for (const c of el.children) walk(c);
    if (!el.children.length && el.textContent.trim()) parts.push('t:' + el.textContent.trim());
  };
  walk(root);
  const out = [];
  for (const p of parts) {
    if (p.startsWith('t:')) { out.push(p); continue; }
    const buf = await (await fetch(p)).arrayBuffer();
    const h = await crypto.subtle.digest('SHA-256', buf);
    out.push('img:' + Array.from(new Uint8Array(h)).map(b => b.toString(16).padStart(2, '0')).join(''));
  }
  return out.join('|');
  function widgetRoot(el) {  // the outermost widget of this output
    let r = el;
    while (r.parentElement && r.parentElement.closest('.jupyter-widgets')) r = r.parentElement.closest('.jupyter-widgets');
    return r;
  }
}"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Check the built book's pages in headless Chromium.")
    ap.add_argument("html_dir")
    ap.add_argument("--screenshots", default=None, help="default: HTML_DIR/../screenshots")
    ap.add_argument("--strict-stderr", action="store_true", help="also fail on stderr cell outputs")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for a page's widgets/math")
    args = ap.parse_args(argv)

    html_dir = Path(args.html_dir).resolve()
    if not (html_dir / "index.html").is_file():
        print(f"browser_check: {html_dir}/index.html not found; build the book first (make book)", file=sys.stderr)
        return 2
    if not _ensure_chromium():
        return 2
    shots = Path(args.screenshots).resolve() if args.screenshots else html_dir.parent / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)

    pages = sorted(p for p in html_dir.rglob("*.html")
                   if not SKIP_DIRS & set(p.relative_to(html_dir).parts[:-1]))
    server, base = _serve(html_dir)
    from playwright.sync_api import sync_playwright

    failed = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for page_path in pages:
                rel = page_path.relative_to(html_dir).as_posix()
                problems, notes = _check_page(browser, f"{base}/{rel}", shots / (rel.replace("/", "__") + ".png"),
                                              args.timeout, args.strict_stderr)
                failed += bool(problems)
                extra = f" ({'; '.join(notes)})" if notes else ""
                print(f"{'FAIL' if problems else 'OK  '} {rel}{extra}")
                for p in problems:
                    print(f"       - {p}")
            browser.close()
    finally:
        server.shutdown()
    print(f"browser_check: {len(pages) - failed}/{len(pages)} pages OK; screenshots in {shots}")
    return 1 if failed else 0


def _check_page(browser, url: str, shot: Path, timeout: float, strict_stderr: bool) -> tuple[list[str], list[str]]:
    problems: list[str] = []
    notes: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def route(r):
        host = urlsplit(r.request.url).hostname or ""
        if host in LOCAL_HOSTS:
            r.continue_()
        else:
            problems.append(f"external request blocked: {r.request.url}")
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text} @ {_where(m)}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.on("websocket", lambda ws: problems.append(f"websocket opened: {ws.url}"))
    try:
        page.goto(url, wait_until="load")
        page.wait_for_timeout(200)  # a meta-refresh redirect (index.html) navigates now
        page.wait_for_load_state("load")
        ms = timeout * 1000
        n_views = page.locator('script[type="application/vnd.jupyter.widget-view+json"]').count()
        n_state = page.locator('script[type="application/vnd.jupyter.widget-state+json"]').count()
        if n_views and not n_state:
            problems.append(f"{n_views} widget view(s) but no saved widget state in the page")
        if n_views:
            try:
                page.wait_for_function(JS_WIDGETS_RENDERED, timeout=ms)
            except Exception:
                problems.append("widgets did not render from the saved state")
        if page.evaluate("() => !!(window.MathJax && window.MathJax.startup)"):
            page.evaluate("() => window.MathJax.startup.promise")
        n_math = page.locator(".math").count()
        if n_math:
            n_mjx = page.locator("mjx-container").count()
            if not n_mjx:
                problems.append(f"{n_math} math element(s) but MathJax typeset none")
            if page.locator("mjx-merror").count():
                problems.append("MathJax reports a math error")
            notes.append(f"math {n_mjx}/{n_math}")
        body = page.inner_text("body")
        for text in PLACEHOLDERS:
            if text.lower() in body.lower():
                problems.append(f"page shows {text!r}")
        n_tb = page.locator(".output.traceback").count()
        if n_tb:
            problems.append(f"{n_tb} cell error output(s) (traceback)")
        n_err = page.locator(".output.stderr").count()
        if n_err:
            (problems if strict_stderr else notes).append(f"{n_err} stderr output(s)")
        if n_views:
            notes.append(f"widgets {n_views}")
        page.screenshot(path=str(shot), full_page=True)
        n_sliders = page.locator(".widget-slider").count()
        for i in range(n_sliders):
            problems += _move_slider(page, i, shot, ms)
        if n_sliders:
            notes.append(f"sliders {n_sliders} moved")
        page.wait_for_timeout(100)
    except Exception as exc:  # navigation/timeouts: report, go on with the next page
        problems.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    finally:
        context.close()
    return problems, notes


def _move_slider(page, i: int, shot: Path, ms: float) -> list[str]:
    slider = page.locator(".widget-slider").nth(i)
    handle = slider.locator(".noUi-handle").first
    if not handle.count():
        return [f"slider {i}: no handle to move"]
    root = slider.locator("xpath=ancestor-or-self::*[contains(@class,'jupyter-widgets')][last()]")
    stem = shot.with_suffix("")
    slider.scroll_into_view_if_needed()
    root.screenshot(path=f"{stem}__slider{i}_before.png")
    before_sig = page.evaluate(JS_SIGNATURE, [i])
    before = handle.get_attribute("aria-valuenow")
    at_max = before == handle.get_attribute("aria-valuemax")
    handle.focus()
    page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    after = handle.get_attribute("aria-valuenow")
    if after == before:
        return [f"slider {i}: the handle did not move ({before})"]
    deadline_ms, waited, after_sig = ms, 0, before_sig
    while waited < deadline_ms:
        after_sig = page.evaluate(JS_SIGNATURE, [i])
        if after_sig != before_sig:
            break
        page.wait_for_timeout(100)
        waited += 100
    root.screenshot(path=f"{stem}__slider{i}_after.png")
    if after_sig == before_sig:
        return [f"slider {i}: moved {before} -> {after} but what its widget shows did not change"]
    return []


def _where(msg) -> str:
    loc = msg.location or {}
    return f"{loc.get('url', '?')}:{loc.get('lineNumber', '?')}"


def _serve(root: Path):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            # The browser's own favicon probe (no page asks for it): answer "no content".
            if self.path == "/favicon.ico" and not (root / "favicon.ico").exists():
                self.send_response(204)
                self.end_headers()
                return
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _ensure_chromium() -> bool:
    if Path(CHROMIUM).exists():
        return True
    if os.geteuid() != 0:
        print(f"browser_check: {CHROMIUM} is missing; install Debian's chromium as root: "
              "apt-get update && apt-get install -y chromium", file=sys.stderr)
        return False
    print("browser_check: installing Debian chromium (apt-get)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    ok = (subprocess.call(["apt-get", "update", "-q"], env=env) == 0
          and subprocess.call(["apt-get", "install", "-y", "-q", "chromium"], env=env) == 0)
    if not ok or not Path(CHROMIUM).exists():
        print("browser_check: apt-get install chromium failed", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
