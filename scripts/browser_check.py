"""Open every walk notebook in a real JupyterLab, in headless Chromium, run all cells, use a form, take screenshots.

Outside CI (it needs Debian's chromium and the playwright package, neither a project dependency):

    apt-get install chromium
    .venv/bin/pip install playwright            # the Python package only: no browser download
    .venv/bin/python scripts/browser_check.py [--out reports/browser]

It works on a copy of a sample audit, starts JupyterLab on 127.0.0.1 with a random token, and for
each notebook: opens it, runs all cells, waits for the forms, saves a screenshot. In the lawful-basis
notebook it then fills the activity form as an auditor would (a special category with no Art 9
condition), checks that the form refuses to save, adds the condition and saves.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root: Path, port: int, token: str) -> subprocess.Popen:
    jupyter = Path(sys.executable).parent / "jupyter"
    proc = subprocess.Popen([str(jupyter), "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("JupyterLab did not start")


def run_all(page) -> None:
    page.click("text=Run", timeout=20000)
    page.click("text=Run All Cells", timeout=10000)


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "reports" / "browser"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="dpia-browser-"))
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    shutil.copytree(ROOT / "data" / "samples" / "best2care", work / "data" / "samples" / "best2care")
    port, token = free_port(), secrets.token_hex(16)
    lab = start_lab(work, port, token)
    results = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for notebook in sorted((work / "notebooks").glob("0*.ipynb")):
                page.goto(f"http://127.0.0.1:{port}/lab/tree/notebooks/{notebook.name}?reset&token={token}")
                page.wait_for_selector(".jp-Notebook", timeout=60000)
                page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-KernelStatus",
                                       timeout=60000)
                time.sleep(2)
                run_all(page)
                page.wait_for_selector(".widget-button", timeout=90000)
                time.sleep(2)
                errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
                page.screenshot(path=str(out / f"{notebook.stem}.png"), full_page=False)
                results.append(f"{notebook.name}: ran, {page.locator('.widget-button').count()} buttons, "
                               f"{errors} error outputs")
                if notebook.stem == "03_lawful_basis":
                    results.append(use_form(page, out))
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=20)
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(results))
    print(f"screenshots in {out}")


def use_form(page, out: Path) -> str:
    """Fill the activity form as an auditor would; a refused save, then an accepted one."""
    form = page.locator(".widget-vbox").filter(has=page.locator("text=Save")).last
    form.scroll_into_view_if_needed()
    texts = form.locator("input[type='text']")
    values = ["A10", "Staff rota", "", "6 years after leaving"]
    texts.nth(0).fill(values[0])
    texts.nth(1).fill(values[1])
    form.locator("textarea").nth(0).fill("Plan care visits")
    form.locator("textarea").nth(1).fill("our own rota records")
    selects = form.locator("select[multiple]")
    selects.nth(0).select_option(label="Staff")
    selects.nth(1).select_option(label="Health")  # special category...
    selects.nth(3).select_option(label="6(1)(b) Contract")
    texts.nth(2).fill("name; shifts")
    text_inputs = form.locator("input[type='text']")
    text_inputs.nth(text_inputs.count() - 1).fill(values[3])
    time.sleep(1.5)
    page.screenshot(path=str(out / "03_form_needs_art9.png"))
    form.locator("button:has-text('Save')").click()
    time.sleep(1.5)
    refused = "Not saved" in form.inner_text()
    page.screenshot(path=str(out / "03_form_refused.png"))
    selects.nth(4).select_option(label="9(2)(b) Employment, social security and social protection")  # ...needs Art 9
    selects.nth(5).select_option(label="sch1.1 Employment, social security and social protection")  # ...and Schedule 1
    time.sleep(1.5)
    form.locator("button:has-text('Save')").click()
    time.sleep(2)
    saved = "Saved A10" in form.inner_text()
    page.screenshot(path=str(out / "03_form_saved.png"))
    return f"03 form: refused without Art 9: {refused}; saved once complete: {saved}"


if __name__ == "__main__":
    os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
    main()
